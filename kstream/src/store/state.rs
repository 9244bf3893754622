//! A state store instance of one task: a backend, the write cache in front of it, and
//! the changelog partition it is logged to.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::hash::BuildHasher;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;
use streamlog::ProducerRecord;

use super::backend::KeyValueBackend;
use super::error::StoreError;
use super::format::{self, NO_TIMESTAMP, ValueLayout};
use crate::error::{Error, Result};

/// One write of a batch: a key, its value (`None` deletes it) and the timestamp of the
/// record that wrote it.
pub(crate) type StampedWrite<'a> = (&'a [u8], Option<&'a [u8]>, i64);

/// One store of one task. Processors write through the cache; a flush, at each commit,
/// applies the cache's dirty entries to the backend and logs each key's last value to
/// the changelog (so updates between commits are written once). In front of a
/// persistent backend the cache also keeps what was read and flushed, up to 50 000
/// entries, so hot keys are not read back from disk after every commit (as Kafka
/// Streams' record cache does). Interactive queries read it from other threads, so it
/// is behind a lock.
///
/// Each value carries the timestamp of the record that wrote it; a timestamped store
/// keeps it in its backend too (8 bytes in front of the value), and logs it as the changelog
/// record's timestamp.
pub struct StateStore {
    name: String,
    changelog: Option<(Arc<str>, i32)>,
    layout: ValueLayout,
    /// The largest timestamp written (a versioned store's observed stream time).
    observed: AtomicI64,
    inner: Mutex<Inner>,
}

/// How many entries a persistent store's cache keeps between commits.
pub(crate) const RETAINED_ENTRIES: usize = 50_000;

/// A value and the timestamp of the record that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamped {
    pub(crate) value: Bytes,
    pub(crate) timestamp: i64,
}

struct Cached {
    value: Option<Bytes>,
    timestamp: i64,
    dirty: bool,
}

impl Cached {
    fn stamped(&self) -> Option<Stamped> {
        self.value.clone().map(|value| Stamped {
            value,
            timestamp: self.timestamp,
        })
    }
}

/// Which keys a cache of dirty entries only may hold: one bit per hash, so that most
/// lookups of a key it does not hold skip the search of its tree. Cleared with the cache.
struct DirtyKeys {
    bits: Vec<u64>,
    hasher: foldhash::fast::FixedState,
}

impl DirtyKeys {
    /// 2^19 bits (64 KiB): a few percent set after a commit interval of writes.
    const BITS: usize = 1 << 19;

    fn new() -> Self {
        DirtyKeys {
            bits: vec![0; Self::BITS / 64],
            hasher: foldhash::fast::FixedState::default(),
        }
    }

    fn bit(&self, key: &[u8]) -> (usize, u64) {
        let hash = self.hasher.hash_one(key) as usize & (Self::BITS - 1);
        (hash / 64, 1 << (hash % 64))
    }

    fn insert(&mut self, key: &[u8]) {
        let (word, bit) = self.bit(key);
        self.bits[word] |= bit;
    }

    fn may_hold(&self, key: &[u8]) -> bool {
        let (word, bit) = self.bit(key);
        self.bits[word] & bit != 0
    }

    fn clear(&mut self) {
        self.bits.fill(0);
    }
}

struct Inner {
    backend: Box<dyn KeyValueBackend>,
    cache: BTreeMap<Bytes, Cached>,
    /// With `retain` off, the keys the cache may hold.
    dirty_keys: Option<DirtyKeys>,
    /// Keys written since the last flush, in the order they first became dirty.
    dirty: Vec<Bytes>,
    /// Whether clean entries stay cached (only worth it over a persistent backend).
    retain: bool,
    /// Under exactly-once, the writes of a flush, kept from the backend until their
    /// transaction commits ([`StateStore::apply_staged`]); a transaction that aborts
    /// drops the store with them, and the backend holds committed writes only.
    staged: Option<BTreeMap<Bytes, (Option<Bytes>, i64)>>,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("name", &self.name)
            .field("changelog", &self.changelog)
            .field("layout", &self.layout)
            .finish()
    }
}

impl StateStore {
    /// A store over `backend` with values laid out as `layout`, logged to `changelog`
    /// (topic, partition) when given.
    pub(crate) fn new(
        name: &str,
        backend: Box<dyn KeyValueBackend>,
        changelog: Option<(Arc<str>, i32)>,
        layout: ValueLayout,
    ) -> Self {
        let retain = backend.cache_reads();
        Self {
            name: name.to_owned(),
            changelog,
            layout,
            observed: AtomicI64::new(i64::MIN),
            inner: Mutex::new(Inner {
                backend,
                cache: BTreeMap::new(),
                dirty_keys: (!retain).then(DirtyKeys::new),
                dirty: Vec::new(),
                retain,
                staged: None,
            }),
        }
    }

    /// Keeps each flush's writes from the backend until [`apply_staged`](Self::apply_staged)
    /// (exactly-once: the backend only ever holds what a transaction committed).
    pub(crate) fn stage_writes(&self) {
        self.inner.lock().staged.get_or_insert_with(BTreeMap::new);
    }

    /// Writes the staged writes to the backend (their transaction committed); with
    /// `durable`, makes the backend durable too.
    pub(crate) fn apply_staged(&self, durable: bool) -> Result<()> {
        let inner = &mut *self.inner.lock();
        if let Some(staged) = &mut inner.staged {
            let staged = std::mem::take(staged);
            let writes: Vec<StampedWrite<'_>> = staged
                .iter()
                .map(|(k, (v, t))| (&k[..], v.as_deref(), *t))
                .collect();
            self.write_encoded(&mut *inner.backend, &writes)?;
        }
        if durable {
            inner.backend.flush()?;
        }
        Ok(())
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the store lays its values out.
    pub(crate) fn layout(&self) -> ValueLayout {
        self.layout
    }

    /// The largest timestamp written to a versioned store, restoring included
    /// (`i64::MIN` before any).
    pub(crate) fn observed_time(&self) -> i64 {
        self.observed.load(Ordering::Relaxed)
    }

    /// Whether the store keeps each value's timestamp.
    pub(crate) fn timestamped(&self) -> bool {
        self.layout == ValueLayout::Timestamped
    }

    /// The changelog partition, if the store is logged.
    pub(crate) fn changelog(&self) -> Option<&(Arc<str>, i32)> {
        self.changelog.as_ref()
    }

    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        Ok(self.get_stamped(key)?.map(|s| s.value))
    }

    /// The value of `key` and its timestamp ([`NO_TIMESTAMP`](super::NO_TIMESTAMP) in a
    /// plain store).
    pub(crate) fn get_stamped(&self, key: &[u8]) -> Result<Option<Stamped>> {
        let mut inner = self.inner.lock();
        let may_be_cached = inner.dirty_keys.as_ref().is_none_or(|d| d.may_hold(key));
        if may_be_cached && let Some(cached) = inner.cache.get(key) {
            return Ok(cached.stamped());
        }
        if let Some((value, timestamp)) = inner.staged.as_ref().and_then(|s| s.get(key)) {
            return Ok(value.clone().map(|value| Stamped {
                value,
                timestamp: *timestamp,
            }));
        }
        let stamped = match inner.backend.get(key)? {
            Some(stored) => Some(self.decode(key, stored)?),
            None => None,
        };
        if inner.retain && inner.cache.len() < RETAINED_ENTRIES {
            let cached = match &stamped {
                Some(s) => Cached {
                    value: Some(s.value.clone()),
                    timestamp: s.timestamp,
                    dirty: false,
                },
                None => Cached {
                    value: None,
                    timestamp: NO_TIMESTAMP,
                    dirty: false,
                },
            };
            inner.cache.insert(Bytes::copy_from_slice(key), cached);
        }
        Ok(stamped)
    }

    fn decode(&self, key: &[u8], stored: Bytes) -> Result<Stamped> {
        let (value, timestamp) = self
            .layout
            .decode(stored)
            .ok_or_else(|| format::corrupt(&self.name, key))?;
        Ok(Stamped { value, timestamp })
    }

    /// Sets `key` (`None` deletes it), with no timestamp.
    pub fn put(&self, key: Bytes, value: Option<Bytes>) {
        self.put_stamped(key, value, NO_TIMESTAMP);
    }

    /// Sets `key` (`None` deletes it), written by a record of `timestamp`.
    pub(crate) fn put_stamped(&self, key: Bytes, value: Option<Bytes>, timestamp: i64) {
        if self.layout == ValueLayout::Versioned {
            self.observed.fetch_max(timestamp, Ordering::Relaxed);
        }
        let inner = &mut *self.inner.lock();
        // A cache that keeps nothing clean holds dirty entries only: the flush drains it
        // whole, in key order, and needs no list of them.
        let listed = inner.retain;
        if let Some(dirty_keys) = &mut inner.dirty_keys {
            dirty_keys.insert(&key);
        }
        match inner.cache.entry(key) {
            Entry::Occupied(mut entry) => {
                let cached = entry.get_mut();
                cached.value = value;
                cached.timestamp = timestamp;
                if !cached.dirty {
                    cached.dirty = true;
                    if listed {
                        inner.dirty.push(entry.key().clone());
                    }
                }
            }
            Entry::Vacant(entry) => {
                if listed {
                    inner.dirty.push(entry.key().clone());
                }
                entry.insert(Cached {
                    value,
                    timestamp,
                    dirty: true,
                });
            }
        }
    }

    /// Entries between the bounds, in key order, the cache's newer values included.
    pub fn range(&self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
        Ok(self
            .range_stamped(from, to)?
            .into_iter()
            .map(|(k, s)| (k, s.value))
            .collect())
    }

    /// [`range`](Self::range) with each value's timestamp.
    pub(crate) fn range_stamped(
        &self,
        from: Bound<&[u8]>,
        to: Bound<&[u8]>,
    ) -> Result<Vec<(Bytes, Stamped)>> {
        let inner = self.inner.lock();
        let mut merged: BTreeMap<Bytes, Option<Stamped>> = BTreeMap::new();
        for (k, stored) in inner.backend.range(from, to)? {
            let stamped = self.decode(&k, stored)?;
            merged.insert(k, Some(stamped));
        }
        for (k, (value, timestamp)) in inner.staged.iter().flat_map(|s| s.range::<[u8], _>((from, to))) {
            let stamped = value.clone().map(|value| Stamped {
                value,
                timestamp: *timestamp,
            });
            merged.insert(k.clone(), stamped);
        }
        for (k, cached) in inner.cache.range::<[u8], _>((from, to)) {
            merged.insert(k.clone(), cached.stamped());
        }
        Ok(merged.into_iter().filter_map(|(k, v)| Some((k, v?))).collect())
    }

    /// About how many entries the backend holds (the cache not counted).
    pub fn approximate_len(&self) -> u64 {
        self.inner.lock().backend.approximate_len()
    }

    /// How many keys wait in the cache to be written.
    pub(crate) fn cached(&self) -> usize {
        let inner = self.inner.lock();
        if inner.retain {
            inner.dirty.len()
        } else {
            inner.cache.len()
        }
    }

    /// Applies the cache's dirty entries to the backend and appends a changelog record
    /// per key to `out`; with `durable`, also makes the backend durable. Returns how many
    /// keys were written.
    pub(crate) fn flush(&self, out: &mut Vec<ProducerRecord>, durable: bool) -> Result<usize> {
        let inner = &mut *self.inner.lock();
        let writes: Vec<(Bytes, Option<Bytes>, i64)> = if inner.retain {
            let dirty = std::mem::take(&mut inner.dirty);
            let mut writes = Vec::with_capacity(dirty.len());
            for key in dirty {
                if let Some(cached) = inner.cache.get_mut(&key) {
                    cached.dirty = false;
                    writes.push((key, cached.value.clone(), cached.timestamp));
                }
            }
            writes
        } else {
            if let Some(dirty_keys) = &mut inner.dirty_keys {
                dirty_keys.clear();
            }
            std::mem::take(&mut inner.cache)
                .into_iter()
                .map(|(key, cached)| (key, cached.value, cached.timestamp))
                .collect()
        };
        if let Some(staged) = &mut inner.staged {
            for (key, value, timestamp) in &writes {
                staged.insert(key.clone(), (value.clone(), *timestamp));
            }
        } else {
            let refs: Vec<StampedWrite<'_>> = writes
                .iter()
                .map(|(k, v, t)| (&k[..], v.as_deref(), *t))
                .collect();
            self.write_encoded(&mut *inner.backend, &refs)?;
        }
        let written = writes.len();
        if let Some((topic, partition)) = &self.changelog {
            out.extend(writes.into_iter().map(|(key, value, timestamp)| ProducerRecord {
                topic: topic.clone(),
                partition: Some(*partition),
                key: Some(key),
                value,
                timestamp: (timestamp >= 0).then_some(timestamp),
                headers: Default::default(),
            }));
        }
        if inner.retain && inner.cache.len() > RETAINED_ENTRIES {
            let mut kept = 0;
            inner.cache.retain(|_, _| {
                kept += 1;
                kept <= RETAINED_ENTRIES
            });
        }
        if durable && inner.staged.is_none() {
            inner.backend.flush()?;
        }
        Ok(written)
    }

    /// Applies a changelog record of `timestamp` while restoring (no cache, no
    /// logging).
    pub(crate) fn restore(&self, key: &[u8], value: Option<&[u8]>, timestamp: i64) -> Result<()> {
        self.restore_batch(&[(key, value, timestamp)])
    }

    /// Applies a batch of changelog records, each a key, its value (`None`: a
    /// tombstone) and its timestamp, in one write to the backend (no cache, no
    /// logging): restoring in bulk.
    pub(crate) fn restore_batch(&self, records: &[StampedWrite<'_>]) -> Result<()> {
        if self.layout == ValueLayout::Versioned {
            for (key, _, timestamp) in records {
                // A version's time is in its key; the record's may be missing.
                let version = super::versioned::version_timestamp(key).unwrap_or(*timestamp);
                self.observed.fetch_max(version, Ordering::Relaxed);
            }
        }
        let mut inner = self.inner.lock();
        if !inner.cache.is_empty() {
            for (key, _, _) in records {
                inner.cache.remove(*key);
            }
        }
        self.write_encoded(&mut *inner.backend, records)
    }

    /// Writes `writes` (key, value or `None` to delete, timestamp) to `backend` in one
    /// batch, each value as the store lays it out: timestamped values in one buffer,
    /// each behind its timestamp.
    fn write_encoded(&self, backend: &mut dyn KeyValueBackend, writes: &[StampedWrite<'_>]) -> Result<()> {
        let timestamped = self.layout == ValueLayout::Timestamped;
        let mut encoded = Vec::new();
        if timestamped {
            encoded.reserve_exact(writes.iter().map(|(_, v, _)| v.map_or(0, |v| v.len() + 8)).sum());
            for (_, value, timestamp) in writes {
                if let Some(v) = value {
                    format::put_timestamped(&mut encoded, v, *timestamp);
                }
            }
        }
        let mut at = 0;
        let batch: Vec<(&[u8], Option<&[u8]>)> = writes
            .iter()
            .map(|(key, value, _)| {
                let stored = value.map(|v| {
                    if timestamped {
                        at += v.len() + 8;
                        &encoded[at - v.len() - 8..at]
                    } else {
                        v
                    }
                });
                (*key, stored)
            })
            .collect();
        backend.write_all(&batch)
    }

    /// Whether the backend keeps its data across restarts.
    pub(crate) fn persistent(&self) -> bool {
        self.inner.lock().backend.persistent()
    }

    /// Makes the restored data durable.
    pub(crate) fn flush_backend(&self) -> Result<()> {
        self.inner.lock().backend.flush()
    }

    /// Tells the backend that a restore starts (`true`) or ended: see
    /// [`KeyValueBackend::bulk_loading`].
    pub(crate) fn bulk_loading(&self, on: bool) -> Result<()> {
        self.inner.lock().backend.bulk_loading(on)
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
        let store = StateStore::new("s", Box::new(disk), Some(("log".into(), 0)), ValueLayout::Plain);
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
        store.restore(b"a", Some(b"9"), 5).unwrap();
        assert_eq!(store.get(b"a").unwrap(), Some(Bytes::from_static(b"9")));
    }

    #[test]
    fn a_timestamped_store_keeps_timestamps_in_the_backend_and_logs_them_as_record_times() {
        let disk = Disk::default();
        let store = StateStore::new(
            "s",
            Box::new(disk),
            Some(("log".into(), 0)),
            ValueLayout::Timestamped,
        );
        store.put_stamped(Bytes::from_static(b"a"), Some(Bytes::from_static(b"1")), 7);
        store.put_stamped(Bytes::from_static(b"a"), Some(Bytes::from_static(b"2")), 9);
        store.put(Bytes::from_static(b"b"), Some(Bytes::from_static(b"3")));
        let a = Stamped {
            value: Bytes::from_static(b"2"),
            timestamp: 9,
        };
        assert_eq!(store.get_stamped(b"a").unwrap(), Some(a.clone()));
        let mut out = Vec::new();
        store.flush(&mut out, true).unwrap();
        let logged: Vec<_> = out.iter().map(|r| (r.value.clone(), r.timestamp)).collect();
        assert_eq!(
            logged,
            vec![
                (Some(Bytes::from_static(b"2")), Some(9)),
                (Some(Bytes::from_static(b"3")), None)
            ]
        );
        // Read back from the backend (the cache holds them too: drop it by restoring
        // another key, then read a range, which merges the backend).
        assert_eq!(store.get(b"a").unwrap(), Some(Bytes::from_static(b"2")));
        let all = store.range_stamped(Bound::Unbounded, Bound::Unbounded).unwrap();
        assert_eq!(all[0], (Bytes::from_static(b"a"), a));
        assert_eq!(all[1].1.timestamp, NO_TIMESTAMP);
        // A changelog record restores with its record timestamp.
        store.restore(b"c", Some(b"4"), 11).unwrap();
        assert_eq!(
            store.get_stamped(b"c").unwrap(),
            Some(Stamped {
                value: Bytes::from_static(b"4"),
                timestamp: 11
            })
        );
    }

    #[test]
    fn staged_writes_reach_the_backend_only_when_applied_and_reads_see_them_meanwhile() {
        let disk = Disk::default();
        let store = StateStore::new(
            "s",
            Box::new(disk),
            Some(("log".into(), 0)),
            ValueLayout::Timestamped,
        );
        store.stage_writes();
        store.restore(b"old", Some(b"0"), 1).unwrap();
        store.put_stamped(Bytes::from_static(b"a"), Some(Bytes::from_static(b"1")), 5);
        store.put_stamped(Bytes::from_static(b"old"), None, 6);
        let mut out = Vec::new();
        assert_eq!(store.flush(&mut out, true).unwrap(), 2);
        assert_eq!(out.len(), 2, "the changelog records go out at the flush");
        // The backend still holds only what was committed (the restored record) ...
        let inner = store.inner.lock();
        assert_eq!(inner.backend.get(b"a").unwrap(), None);
        assert!(inner.backend.get(b"old").unwrap().is_some());
        drop(inner);
        // ... while reads, points and ranges, see the staged writes.
        assert_eq!(store.get(b"a").unwrap(), Some(Bytes::from_static(b"1")));
        assert_eq!(store.get(b"old").unwrap(), None);
        let all = store.range(Bound::Unbounded, Bound::Unbounded).unwrap();
        assert_eq!(all, vec![(Bytes::from_static(b"a"), Bytes::from_static(b"1"))]);
        store.apply_staged(true).unwrap();
        let inner = store.inner.lock();
        assert_eq!(inner.backend.get(b"old").unwrap(), None);
        let a = inner.backend.get(b"a").unwrap().unwrap();
        assert_eq!(&a[8..], b"1", "applied in the store's layout");
        assert!(inner.staged.as_ref().unwrap().is_empty());
    }

    #[test]
    fn a_stored_value_too_short_for_its_timestamp_is_a_typed_error() {
        let mut disk = Disk::default();
        disk.data.put(b"k", b"abc").unwrap();
        let store = StateStore::new("s", Box::new(disk), None, ValueLayout::Timestamped);
        let err = store.get(b"k").unwrap_err();
        assert!(matches!(
            err,
            Error::Store {
                source: StoreError::Format { .. },
                ..
            }
        ));
        assert!(err.to_string().contains("`s`"), "{err}");
    }
}
