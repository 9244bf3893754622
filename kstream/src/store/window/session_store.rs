//! [`SessionStore`]: aggregates per key and session.

use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use super::schema::{KeyLayout, session_key, session_of};
use crate::error::Result;
use crate::serdes::SerdeRef;
use crate::store::format::corrupt;
use crate::store::state::StateStore;
use crate::store::typed::{key_bytes, put_value, stored, value_of};
use crate::window::{Window, Windowed};

/// A typed session store (Kafka Streams' `SessionStore`): an aggregate per key and
/// session window. The store of a session-windowed aggregation
/// ([`TopologyTestDriver::session_store`](crate::TopologyTestDriver::session_store)).
pub struct SessionStore<K, V> {
    store: Arc<StateStore>,
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
}

impl<K, V> std::fmt::Debug for SessionStore<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("name", &self.store.name())
            .finish()
    }
}

impl<K: 'static, V: 'static> SessionStore<K, V> {
    pub(crate) fn new(store: Arc<StateStore>, keys: SerdeRef<K>, values: SerdeRef<V>) -> Self {
        SessionStore { store, keys, values }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.store.name()
    }

    pub(crate) fn key_bytes(&self, key: &K) -> Result<Bytes> {
        key_bytes(&self.store, &self.keys, key)
    }

    /// The sessions of `key` ending at or after `earliest_end` and starting at or before
    /// `latest_start`, by end then start.
    pub fn find_sessions(&self, key: &K, earliest_end: i64, latest_start: i64) -> Result<Vec<(Window, V)>> {
        let k = self.key_bytes(key)?;
        self.find_sessions_bytes(&k, earliest_end, latest_start)
    }

    pub(crate) fn find_sessions_bytes(
        &self,
        key: &[u8],
        earliest_end: i64,
        latest_start: i64,
    ) -> Result<Vec<(Window, V)>> {
        // Times are big-endian as Kafka writes them: the smallest suffix for an end is a
        // start of 0, the largest suffix is all ones.
        let (lo, hi) = (session_key(key, 0, earliest_end.max(0)), session_key(key, -1, -1));
        let mut out = Vec::new();
        for (k, v) in self
            .store
            .range(Bound::Included(&lo[..]), Bound::Included(&hi[..]))?
        {
            if KeyLayout::Session.record_key(&k) != Some(key) {
                continue;
            }
            let (start, end) = session_of(&k).ok_or_else(|| corrupt(self.store.name(), &k))?;
            if end >= earliest_end && start <= latest_start {
                out.push((Window::new(start, end), value_of(&self.store, &self.values, &v)?));
            }
        }
        Ok(out)
    }

    /// The aggregate of `key`'s session `window`.
    pub fn fetch_session(&self, key: &K, window: Window) -> Result<Option<V>> {
        self.fetch_bytes(&self.key_bytes(key)?, window)
    }

    /// The aggregate of the session `window` of the key with these bytes.
    pub(crate) fn fetch_bytes(&self, key: &[u8], window: Window) -> Result<Option<V>> {
        match self.store.get(&session_key(key, window.start, window.end))? {
            Some(v) => value_of(&self.store, &self.values, &v).map(Some),
            None => Ok(None),
        }
    }

    /// The key of these bytes.
    pub(crate) fn key_of(&self, bytes: &[u8]) -> Result<K> {
        stored(&self.store, &self.keys, "key", bytes)
    }

    /// Every session as `(key bytes, window)`, in store order.
    pub(crate) fn all_bytes(&self) -> Result<Vec<(Bytes, Window)>> {
        let mut out = Vec::new();
        for (k, _) in self.store.range(Bound::Unbounded, Bound::Unbounded)? {
            let corrupt = || corrupt(self.store.name(), &k);
            let (start, end) = session_of(&k).ok_or_else(corrupt)?;
            let key = KeyLayout::Session.record_key(&k).ok_or_else(corrupt)?;
            out.push((Bytes::copy_from_slice(key), Window::new(start, end)));
        }
        Ok(out)
    }

    /// Sets the aggregate of `key`'s session `window` (`None` removes the session),
    /// written by a record of `timestamp`; returns the value's length in bytes.
    pub(crate) fn put_bytes(
        &self,
        key: &[u8],
        window: Window,
        value: Option<&V>,
        timestamp: i64,
    ) -> Result<usize> {
        put_value(
            &self.store,
            &self.values,
            session_key(key, window.start, window.end),
            value,
            timestamp,
        )
    }

    /// Every session, in store order (by key, then end, then start).
    pub fn all(&self) -> Result<Vec<(Windowed<K>, V)>> {
        let mut out = Vec::new();
        for (k, v) in self.store.range(Bound::Unbounded, Bound::Unbounded)? {
            let corrupt = || corrupt(self.store.name(), &k);
            let (start, end) = session_of(&k).ok_or_else(corrupt)?;
            let key = KeyLayout::Session.record_key(&k).ok_or_else(corrupt)?;
            let key = stored(&self.store, &self.keys, "key", key)?;
            out.push((
                Windowed::new(key, Window::new(start, end)),
                value_of(&self.store, &self.values, &v)?,
            ));
        }
        Ok(out)
    }
}
