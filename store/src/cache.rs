//! Aggregates as this process's last operations left them, so the next operation on the same
//! stream reads only the events appended since (by anyone) instead of the snapshot and its tail.
//! An entry is a starting point, never trusted beyond its sequence: the log has the last word.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cqrs_es::Aggregate;

use crate::stream::StreamEvent;
use crate::StoreError;

/// The most streams [`AggregateCache`] keeps; past it, it starts again empty. An order is a few
/// KB, so the worst case is tens of MB per process.
const CACHE_MAX: usize = 20_000;

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

/// Aggregates as this process's last operations left them (see the module's text).
#[derive(Default)]
pub struct AggregateCache {
    entries: Mutex<HashMap<Key, Cached>>,
}

impl AggregateCache {
    pub(crate) fn get(&self, key: &Key) -> Option<Cached> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn put(&self, key: Key, cached: Cached) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CACHE_MAX && !entries.contains_key(&key) {
                entries.clear();
            }
            entries.insert(key, cached);
        }
    }

    pub(crate) fn forget(&self, key: &Key) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}
