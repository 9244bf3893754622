//! A state store instance of one task: a backend, the write cache in front of it, and
//! the changelog partition it is logged to.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use streamlog::ProducerRecord;

use super::backend::KeyValueBackend;
use crate::error::{Error, Result};

/// One store of one task. Processors write through the cache; [`StateStore::flush`],
/// at each commit, applies the cache to the backend and logs each key's last value to
/// the changelog (so updates between commits are written once). Interactive queries
/// read it from other threads, so it is behind a lock.
pub struct StateStore {
    name: String,
    changelog: Option<(Arc<str>, i32)>,
    inner: Mutex<Inner>,
}

struct Inner {
    backend: Box<dyn KeyValueBackend>,
    cache: BTreeMap<Bytes, Option<Bytes>>,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("name", &self.name)
            .field("changelog", &self.changelog)
            .finish()
    }
}

impl StateStore {
    /// A store over `backend`, logged to `changelog` (topic, partition) when given.
    pub(crate) fn new(
        name: &str,
        backend: Box<dyn KeyValueBackend>,
        changelog: Option<(Arc<str>, i32)>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            changelog,
            inner: Mutex::new(Inner {
                backend,
                cache: BTreeMap::new(),
            }),
        }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The changelog partition, if the store is logged.
    pub(crate) fn changelog(&self) -> Option<&(Arc<str>, i32)> {
        self.changelog.as_ref()
    }

    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        let inner = self.inner.lock();
        match inner.cache.get(key) {
            Some(cached) => Ok(cached.clone()),
            None => inner.backend.get(key),
        }
    }

    /// Sets `key` (`None` deletes it).
    pub fn put(&self, key: Bytes, value: Option<Bytes>) {
        self.inner.lock().cache.insert(key, value);
    }

    /// Entries between the bounds, in key order, the cache's newer values included.
    pub fn range(&self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
        let inner = self.inner.lock();
        let mut merged: BTreeMap<Bytes, Option<Bytes>> = inner
            .backend
            .range(from, to)?
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .collect();
        for (k, v) in inner.cache.range::<[u8], _>((from, to)) {
            merged.insert(k.clone(), v.clone());
        }
        Ok(merged.into_iter().filter_map(|(k, v)| Some((k, v?))).collect())
    }

    /// About how many entries the backend holds (the cache not counted).
    pub fn approximate_len(&self) -> u64 {
        self.inner.lock().backend.approximate_len()
    }

    /// How many keys wait in the cache.
    pub(crate) fn cached(&self) -> usize {
        self.inner.lock().cache.len()
    }

    /// Applies the cache to the backend and appends a changelog record per key to
    /// `out`. Returns how many keys were written.
    pub(crate) fn flush(&self, out: &mut Vec<ProducerRecord>) -> Result<usize> {
        let mut inner = self.inner.lock();
        let cache = std::mem::take(&mut inner.cache);
        let written = cache.len();
        for (key, value) in cache {
            match &value {
                Some(v) => inner.backend.put(&key, v)?,
                None => inner.backend.delete(&key)?,
            }
            if let Some((topic, partition)) = &self.changelog {
                out.push(ProducerRecord {
                    topic: topic.clone(),
                    partition: Some(*partition),
                    key: Some(key),
                    value,
                    timestamp: None,
                    headers: Default::default(),
                });
            }
        }
        inner.backend.flush()?;
        Ok(written)
    }

    /// Applies a changelog record while restoring (no cache, no logging).
    pub(crate) fn restore(&self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let mut inner = self.inner.lock();
        match value {
            Some(v) => inner.backend.put(key, v),
            None => inner.backend.delete(key),
        }
    }

    /// Whether the backend keeps its data across restarts.
    pub(crate) fn persistent(&self) -> bool {
        self.inner.lock().backend.persistent()
    }

    /// Makes the restored data durable.
    pub(crate) fn flush_backend(&self) -> Result<()> {
        self.inner.lock().backend.flush()
    }

    pub(crate) fn error(&self, reason: impl Into<String>) -> Error {
        Error::Store {
            store: self.name.clone(),
            reason: reason.into(),
        }
    }
}
