//! A state store instance of one task: a backend, the write cache in front of it, and
//! the changelog partition it is logged to.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use streamlog::ProducerRecord;

use super::backend::KeyValueBackend;
use super::error::StoreError;
use crate::error::{Error, Result};

/// One store of one task. Processors write through the cache; a flush, at each commit,
/// applies the cache's dirty entries to the backend and logs each key's last value to
/// the changelog (so updates between commits are written once). In front of a
/// persistent backend the cache also keeps what was read and flushed, up to 50 000
/// entries, so hot keys are not read back from disk after every commit (as Kafka
/// Streams' record cache does). Interactive queries read it from other threads, so it
/// is behind a lock.
pub struct StateStore {
    name: String,
    changelog: Option<(Arc<str>, i32)>,
    inner: Mutex<Inner>,
}

/// How many entries a persistent store's cache keeps between commits.
pub(crate) const RETAINED_ENTRIES: usize = 50_000;

struct Cached {
    value: Option<Bytes>,
    dirty: bool,
}

struct Inner {
    backend: Box<dyn KeyValueBackend>,
    cache: BTreeMap<Bytes, Cached>,
    /// Keys written since the last flush, in the order they first became dirty.
    dirty: Vec<Bytes>,
    /// Whether clean entries stay cached (only worth it over a persistent backend).
    retain: bool,
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
        let retain = backend.persistent();
        Self {
            name: name.to_owned(),
            changelog,
            inner: Mutex::new(Inner {
                backend,
                cache: BTreeMap::new(),
                dirty: Vec::new(),
                retain,
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
        let mut inner = self.inner.lock();
        if let Some(cached) = inner.cache.get(key) {
            return Ok(cached.value.clone());
        }
        let value = inner.backend.get(key)?;
        if inner.retain && inner.cache.len() < RETAINED_ENTRIES {
            let cached = Cached {
                value: value.clone(),
                dirty: false,
            };
            inner.cache.insert(Bytes::copy_from_slice(key), cached);
        }
        Ok(value)
    }

    /// Sets `key` (`None` deletes it).
    pub fn put(&self, key: Bytes, value: Option<Bytes>) {
        let inner = &mut *self.inner.lock();
        match inner.cache.get_mut(&key) {
            Some(cached) => {
                if !cached.dirty {
                    cached.dirty = true;
                    inner.dirty.push(key);
                }
                cached.value = value;
            }
            None => {
                inner.dirty.push(key.clone());
                inner.cache.insert(key, Cached { value, dirty: true });
            }
        }
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
        for (k, cached) in inner.cache.range::<[u8], _>((from, to)) {
            merged.insert(k.clone(), cached.value.clone());
        }
        Ok(merged.into_iter().filter_map(|(k, v)| Some((k, v?))).collect())
    }

    /// About how many entries the backend holds (the cache not counted).
    pub fn approximate_len(&self) -> u64 {
        self.inner.lock().backend.approximate_len()
    }

    /// How many keys wait in the cache to be written.
    pub(crate) fn cached(&self) -> usize {
        self.inner.lock().dirty.len()
    }

    /// Applies the cache's dirty entries to the backend and appends a changelog record
    /// per key to `out`; with `durable`, also makes the backend durable. Returns how many
    /// keys were written.
    pub(crate) fn flush(&self, out: &mut Vec<ProducerRecord>, durable: bool) -> Result<usize> {
        let inner = &mut *self.inner.lock();
        let dirty = std::mem::take(&mut inner.dirty);
        let mut writes: Vec<(Bytes, Option<Bytes>)> = Vec::with_capacity(dirty.len());
        for key in dirty {
            if let Some(cached) = inner.cache.get_mut(&key) {
                cached.dirty = false;
                writes.push((key, cached.value.clone()));
            }
        }
        let batch: Vec<(&[u8], Option<&[u8]>)> = writes.iter().map(|(k, v)| (&k[..], v.as_deref())).collect();
        inner.backend.write_all(&batch)?;
        let written = writes.len();
        if let Some((topic, partition)) = &self.changelog {
            out.extend(writes.into_iter().map(|(key, value)| ProducerRecord {
                topic: topic.clone(),
                partition: Some(*partition),
                key: Some(key),
                value,
                timestamp: None,
                headers: Default::default(),
            }));
        }
        if !inner.retain {
            inner.cache.clear();
        } else if inner.cache.len() > RETAINED_ENTRIES {
            let mut kept = 0;
            inner.cache.retain(|_, _| {
                kept += 1;
                kept <= RETAINED_ENTRIES
            });
        }
        if durable {
            inner.backend.flush()?;
        }
        Ok(written)
    }

    /// Applies a changelog record while restoring (no cache, no logging).
    pub(crate) fn restore(&self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let mut inner = self.inner.lock();
        inner.cache.remove(key);
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

    /// The error of this store failing with `source`.
    pub(crate) fn error(&self, source: StoreError) -> Error {
        Error::Store {
            store: self.name.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::store::InMemoryBackend;

    /// The in-memory backend posing as persistent, counting its reads.
    #[derive(Default)]
    struct Disk {
        data: InMemoryBackend,
        reads: Arc<AtomicUsize>,
    }

    impl KeyValueBackend for Disk {
        fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.data.get(key)
        }
        fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
            self.data.put(key, value)
        }
        fn delete(&mut self, key: &[u8]) -> Result<()> {
            self.data.delete(key)
        }
        fn range(&self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
            self.data.range(from, to)
        }
        fn approximate_len(&self) -> u64 {
            self.data.approximate_len()
        }
        fn persistent(&self) -> bool {
            true
        }
    }

    #[test]
    fn flushed_and_read_entries_stay_cached_and_only_dirty_ones_are_logged() {
        let disk = Disk::default();
        let reads = disk.reads.clone();
        let store = StateStore::new("s", Box::new(disk), Some(("log".into(), 0)));
        assert_eq!(store.get(b"a").unwrap(), None);
        store.put(Bytes::from_static(b"a"), Some(Bytes::from_static(b"1")));
        store.put(Bytes::from_static(b"a"), Some(Bytes::from_static(b"2")));
        store.put(Bytes::from_static(b"b"), None);
        assert_eq!(store.cached(), 2);
        let mut out = Vec::new();
        assert_eq!(store.flush(&mut out, true).unwrap(), 2);
        let logged: Vec<_> = out
            .iter()
            .map(|r| (r.key.clone().unwrap(), r.value.clone()))
            .collect();
        assert_eq!(
            logged,
            vec![
                (Bytes::from_static(b"a"), Some(Bytes::from_static(b"2"))),
                (Bytes::from_static(b"b"), None)
            ]
        );
        assert_eq!(store.cached(), 0);
        // Read after the flush: from the cache, not the disk.
        assert_eq!(store.get(b"a").unwrap(), Some(Bytes::from_static(b"2")));
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // Nothing dirty: the next flush logs nothing.
        out.clear();
        assert_eq!(store.flush(&mut out, true).unwrap(), 0);
        assert!(out.is_empty());
        // A restored record replaces what the cache held.
        store.restore(b"a", Some(b"9")).unwrap();
        assert_eq!(store.get(b"a").unwrap(), Some(Bytes::from_static(b"9")));
    }
}
