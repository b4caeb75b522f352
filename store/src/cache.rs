//! Aggregates as this process's last operations left them, so the next operation on the same
//! stream reads only the events appended since (by anyone) instead of the snapshot and its tail.
//! An entry is a starting point, never trusted beyond its sequence: the log has the last word.

use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use cqrs_es::Aggregate;
use lru::LruCache;

use crate::stream::StreamEvent;
use crate::StoreError;

/// The most streams [`AggregateCache`] keeps; past it, the one used longest ago goes. An order
/// is a few KB, so the worst case is about 10 MB per process, whatever the size of the log.
pub const CACHE_MAX: usize = 2_048;

/// An aggregate of any type, as the cache and a unit of work hold it.
pub(crate) type State = dyn Any + Send + Sync;

/// A stream's key: its aggregate type and id.
pub(crate) type Key = (&'static str, String);

/// What an aggregate type needs to be held without knowing its type: copying the state, and
/// applying a stored event to it.
#[derive(Clone, Copy)]
pub(crate) struct Kind {
    pub copy: fn(&State) -> Option<Box<State>>,
    pub apply: fn(&mut State, &StreamEvent, &str) -> Result<(), StoreError>,
}

impl Kind {
    pub fn of<A: Aggregate + Clone + Send + Sync + 'static>() -> Self {
        Self {
            copy: copy_of::<A>,
            apply: apply_to::<A>,
        }
    }
}

fn copy_of<A: Clone + Send + Sync + 'static>(state: &State) -> Option<Box<State>> {
    state
        .downcast_ref::<A>()
        .map(|a| Box::new(a.clone()) as Box<State>)
}

fn apply_to<A: Aggregate + 'static>(
    state: &mut State,
    row: &StreamEvent,
    id: &str,
) -> Result<(), StoreError> {
    let aggregate = state
        .downcast_mut::<A>()
        .ok_or_else(|| StoreError::WrongType(format!("{} {id}", A::TYPE)))?;
    aggregate.apply(row.decode(A::TYPE, id)?);
    Ok(())
}

/// One cached stream: the state, how many events it folds, and the last event's hash.
#[derive(Clone)]
pub(crate) struct Cached {
    pub sequence: usize,
    pub hash: Vec<u8>,
    pub state: Arc<State>,
    pub kind: Kind,
}

/// Aggregates as this process's last operations left them (see the module's text), the
/// [`CACHE_MAX`] used last.
pub struct AggregateCache {
    entries: Mutex<LruCache<Key, Cached>>,
}

impl Default for AggregateCache {
    fn default() -> Self {
        Self::with_capacity(CACHE_MAX)
    }
}

impl AggregateCache {
    /// A cache of at most `capacity` streams (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// How many streams it holds.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |entries| entries.len())
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn get(&self, key: &Key) -> Option<Cached> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn put(&self, key: Key, cached: Cached) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(key, cached);
        }
    }

    pub(crate) fn forget(&self, key: &Key) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.pop(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(n: u8) -> Cached {
        Cached {
            sequence: usize::from(n),
            hash: vec![n],
            state: Arc::new(n),
            kind: Kind {
                copy: |_| None,
                apply: |_, _, _| Ok(()),
            },
        }
    }

    fn key(n: usize) -> Key {
        ("Order", n.to_string())
    }

    #[test]
    fn past_its_capacity_the_stream_used_longest_ago_goes_and_the_rest_stay() {
        let cache = AggregateCache::with_capacity(3);
        for n in 0..3 {
            cache.put(key(n), cached(0));
        }
        // stream 0 used again: stream 1 is now the one used longest ago.
        assert!(cache.get(&key(0)).is_some());
        cache.put(key(3), cached(3));
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&key(1)).is_none());
        for n in [0, 2, 3] {
            assert!(cache.get(&key(n)).is_some(), "stream {n}");
        }
        // many more streams than it holds: never more than its capacity.
        for n in 4..1_000 {
            cache.put(key(n), cached(1));
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&key(999)).map(|c| c.sequence), Some(1));
    }

    #[test]
    fn a_forgotten_stream_is_read_from_the_log_next_time() {
        let cache = AggregateCache::default();
        cache.put(key(1), cached(5));
        cache.forget(&key(1));
        assert!(cache.get(&key(1)).is_none());
        assert!(cache.is_empty());
    }
}
