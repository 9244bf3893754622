//! Versioned key-value stores (Kafka Streams' `VersionedKeyValueStore`): every value a
//! key had within the history retention, each valid from its timestamp until the next
//! version's, so a key can be read as of a past time.
//!
//! Each version is one entry of the underlying store, keyed by the key and the
//! version's timestamp:
//!
//! ```text
//! key:   u32 big-endian length of the key's bytes | the key's bytes | u64 big-endian (timestamp with its sign bit flipped)
//! value: 0 | the value's bytes        (a value)
//!        1                            (a tombstone: the key had no value from then on)
//! ```
//!
//! so a key's versions are adjacent and in time order (negative timestamps included),
//! and the changelog logs each version as its own entry, restored as it was written.
//! Versions that no read within the history retention can see any more are deleted as
//! newer versions arrive; the latest value is kept whatever its age.

use std::ops::Bound;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use super::error::StoreError;
use super::format::ValueLayout;
use super::state::StateStore;
use super::typed::{key_bytes, value_of};
use crate::error::Result;
use crate::serdes::SerdeRef;

/// A value of a versioned store, with the time it became valid and, unless it is the
/// latest, the time the next version replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionedRecord<V> {
    /// The value.
    pub value: V,
    /// When it became valid (its record's timestamp), epoch milliseconds.
    pub timestamp: i64,
    /// When the next version replaced it; `None` for the latest.
    pub valid_to: Option<i64>,
}

/// What a [`VersionedKeyValueStore::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PutOutcome {
    /// The version is the key's latest.
    Latest,
    /// The version was put in the key's history, valid until the next version's
    /// timestamp.
    ValidTo(i64),
    /// The timestamp is older than the history retention allows: nothing was written
    /// (Kafka's `PUT_RETURN_CODE_NOT_PUT`).
    Expired,
}

const VALUE: u8 = 0;
const TOMBSTONE: u8 = 1;
const SIGN: u64 = 1 << 63;

/// The entry key of `key`'s version at `timestamp`.
fn version_key(key: &[u8], timestamp: i64) -> Bytes {
    let mut out = BytesMut::with_capacity(key.len() + 12);
    put_prefix(&mut out, key);
    out.put_u64((timestamp as u64) ^ SIGN);
    out.freeze()
}

fn put_prefix(out: &mut BytesMut, key: &[u8]) {
    // A key longer than u32::MAX bytes cannot reach a store: serdes write far less.
    out.put_u32(u32::try_from(key.len()).unwrap_or(u32::MAX));
    out.put_slice(key);
}

/// The timestamp of a version's entry key, if it is one.
pub(crate) fn version_timestamp(entry: &[u8]) -> Option<i64> {
    let len = u32::from_be_bytes(entry.get(..4)?.try_into().ok()?) as usize;
    let suffix: [u8; 8] = entry.get(4 + len..)?.try_into().ok()?;
    Some((u64::from_be_bytes(suffix) ^ SIGN) as i64)
}

/// A typed versioned key-value store, as a processor sees it (read and write): a store
/// declared with [`Materialized::versioned`](super::Materialized::versioned).
pub struct VersionedKeyValueStore<K, V> {
    store: Arc<StateStore>,
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
    /// How far back reads and writes reach, from the largest timestamp written.
    history: i64,
}

impl<K, V> Clone for VersionedKeyValueStore<K, V> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            keys: self.keys.clone(),
            values: self.values.clone(),
            history: self.history,
        }
    }
}

impl<K, V> std::fmt::Debug for VersionedKeyValueStore<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionedKeyValueStore")
            .field("name", &self.store.name())
            .field("history_retention_ms", &self.history)
            .finish()
    }
}

/// One version as stored: its timestamp and its value (`None`: a tombstone).
type Version = (i64, Option<Bytes>);

impl<K: 'static, V: 'static> VersionedKeyValueStore<K, V> {
    /// The versioned view of `store`, keeping `history_ms` of history.
    pub(crate) fn new(
        store: Arc<StateStore>,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        history_ms: i64,
    ) -> Result<Self> {
        if store.layout() != ValueLayout::Versioned {
            return Err(store.error(StoreError::NotVersioned));
        }
        Ok(Self {
            store,
            keys,
            values,
            history: history_ms,
        })
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.store.name()
    }

    /// The history retention, in milliseconds.
    pub fn history_retention_ms(&self) -> i64 {
        self.history
    }

    /// The oldest time reads and writes reach: the largest timestamp written, less the
    /// history retention.
    fn horizon(&self) -> i64 {
        self.store.observed_time().saturating_sub(self.history)
    }

    /// Puts `value` (`None`: a tombstone, the key has no value from `timestamp` on) as
    /// the key's version at `timestamp`, replacing a version of the same timestamp.
    pub fn put(&self, key: &K, value: Option<&V>, timestamp: i64) -> Result<PutOutcome> {
        let k = key_bytes(&self.store, &self.keys, key)?;
        if timestamp < self.horizon() {
            metrics::counter!("kstream_skipped_records_total", "reason" => "expired_version").increment(1);
            return Ok(PutOutcome::Expired);
        }
        let entry = match value {
            Some(v) => {
                let bytes = self.values.serialize(self.store.name(), v).map_err(|e| {
                    self.store.error(StoreError::Serialize {
                        part: "value",
                        source: e.into(),
                    })
                })?;
                let bytes = bytes.unwrap_or_default();
                let mut out = BytesMut::with_capacity(bytes.len() + 1);
                out.put_u8(VALUE);
                out.put_slice(&bytes);
                out.freeze()
            }
            None => Bytes::from_static(&[TOMBSTONE]),
        };
        // The key's versions with this one in place, read once for the outcome and
        // for what expires.
        let mut versions = self.versions(&k)?;
        let at = versions.partition_point(|(t, _)| *t < timestamp);
        let next = versions[at..].iter().map(|(t, _)| *t).find(|t| *t > timestamp);
        let value = (entry[0] == VALUE).then(|| entry.slice(1..));
        match versions.get_mut(at) {
            Some(same) if same.0 == timestamp => same.1 = value,
            _ => versions.insert(at, (timestamp, value)),
        }
        self.store
            .put_stamped(version_key(&k, timestamp), Some(entry), timestamp);
        self.expire(&k, &versions);
        Ok(match next {
            Some(valid_to) => PutOutcome::ValidTo(valid_to),
            None => PutOutcome::Latest,
        })
    }

    /// Deletes the key from `timestamp` on (a tombstone version), and gives the record
    /// that was valid at `timestamp`.
    pub fn delete(&self, key: &K, timestamp: i64) -> Result<Option<VersionedRecord<V>>> {
        let before = self.get_as_of(key, timestamp)?;
        self.put(key, None, timestamp)?;
        Ok(before)
    }

    /// The key's latest value, unless it was deleted.
    pub fn get(&self, key: &K) -> Result<Option<VersionedRecord<V>>> {
        let k = key_bytes(&self.store, &self.keys, key)?;
        match self.versions(&k)?.pop() {
            Some((timestamp, Some(bytes))) => Ok(Some(self.record(&bytes, timestamp, None)?)),
            _ => Ok(None),
        }
    }

    /// The key's value as of `as_of`: the version valid then. `None` when the key had
    /// no value then, and when `as_of` is older than the history retention reaches.
    pub fn get_as_of(&self, key: &K, as_of: i64) -> Result<Option<VersionedRecord<V>>> {
        if as_of < self.horizon() {
            return Ok(None);
        }
        let k = key_bytes(&self.store, &self.keys, key)?;
        let versions = self.versions(&k)?;
        let Some(i) = versions.iter().rposition(|(t, _)| *t <= as_of) else {
            return Ok(None);
        };
        let valid_to = versions.get(i + 1).map(|(t, _)| *t);
        match &versions[i] {
            (timestamp, Some(bytes)) => Ok(Some(self.record(bytes, *timestamp, valid_to)?)),
            (_, None) => Ok(None),
        }
    }

    fn record(&self, bytes: &[u8], timestamp: i64, valid_to: Option<i64>) -> Result<VersionedRecord<V>> {
        Ok(VersionedRecord {
            value: value_of(&self.store, &self.values, bytes)?,
            timestamp,
            valid_to,
        })
    }

    /// The versions of the key with bytes `k`, oldest first.
    fn versions(&self, k: &[u8]) -> Result<Vec<Version>> {
        let (from, to) = (version_key(k, i64::MIN), version_key(k, i64::MAX));
        self.store
            .range(Bound::Included(&from), Bound::Included(&to))?
            .into_iter()
            .map(|(entry, stored)| {
                let corrupt = || {
                    self.store.error(StoreError::Format {
                        path: None,
                        problem: "a versioned store entry is neither a value nor a tombstone".into(),
                    })
                };
                let timestamp = version_timestamp(&entry).ok_or_else(corrupt)?;
                match stored.first() {
                    Some(&VALUE) => Ok((timestamp, Some(stored.slice(1..)))),
                    Some(&TOMBSTONE) => Ok((timestamp, None)),
                    _ => Err(corrupt()),
                }
            })
            .collect()
    }

    /// Deletes those of the key's `versions` (oldest first) no read within the history
    /// retention can see: those replaced before the horizon, and a tombstone older
    /// than it.
    fn expire(&self, k: &[u8], versions: &[Version]) {
        let horizon = self.horizon();
        for (i, (timestamp, value)) in versions.iter().enumerate() {
            let replaced_before_horizon = versions.get(i + 1).is_some_and(|(next, _)| *next <= horizon);
            let last = i + 1 == versions.len();
            let old_tombstone = last && value.is_none() && *timestamp < horizon;
            if replaced_before_horizon || old_tombstone {
                self.store.put(version_key(k, *timestamp), None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::serdes::{I64Serde, StringSerde};
    use crate::store::InMemoryBackend;

    fn store(history: i64) -> (Arc<StateStore>, VersionedKeyValueStore<String, i64>) {
        let state = Arc::new(StateStore::new(
            "v",
            Box::new(InMemoryBackend::default()),
            Some(("v-changelog".into(), 0)),
            ValueLayout::Versioned,
        ));
        let typed =
            VersionedKeyValueStore::new(state.clone(), Arc::new(StringSerde), Arc::new(I64Serde), history)
                .unwrap();
        (state, typed)
    }

    #[test]
    fn version_keys_order_by_key_then_time_including_negative_times() {
        let mut keys = [
            version_key(b"a", 5),
            version_key(b"a", -5),
            version_key(b"ab", i64::MIN),
            version_key(b"a", i64::MAX),
            version_key(b"a", 0),
        ];
        keys.sort();
        let times: Vec<_> = keys.iter().map(|k| version_timestamp(k).unwrap()).collect();
        assert_eq!(times, vec![-5, 0, 5, i64::MAX, i64::MIN]);
    }

    #[test]
    fn reads_as_of_a_time_see_the_version_valid_then() {
        let (_, s) = store(1_000);
        let k = "k".to_owned();
        assert_eq!(s.put(&k, Some(&1), 100).unwrap(), PutOutcome::Latest);
        assert_eq!(s.put(&k, Some(&3), 300).unwrap(), PutOutcome::Latest);
        // Out of order: goes into the history, valid until the next version.
        assert_eq!(s.put(&k, Some(&2), 200).unwrap(), PutOutcome::ValidTo(300));
        let at = |t| {
            s.get_as_of(&k, t)
                .unwrap()
                .map(|r| (r.value, r.timestamp, r.valid_to))
        };
        assert_eq!(at(99), None);
        assert_eq!(at(150), Some((1, 100, Some(200))));
        assert_eq!(at(250), Some((2, 200, Some(300))));
        assert_eq!(at(999), Some((3, 300, None)));
        assert_eq!(s.delete(&k, 400).unwrap().map(|r| r.value), Some(3));
        assert_eq!(s.get(&k).unwrap(), None);
        assert_eq!(at(450), None);
        assert_eq!(at(350).map(|r| r.0), Some(3));
    }

    #[test]
    fn history_beyond_the_retention_is_refused_and_dropped() {
        let (state, s) = store(100);
        let k = "k".to_owned();
        s.put(&k, Some(&1), 1_000).unwrap();
        s.put(&k, Some(&2), 1_050).unwrap();
        s.put(&k, Some(&3), 1_200).unwrap();
        assert_eq!(s.put(&k, Some(&9), 1_099).unwrap(), PutOutcome::Expired);
        assert_eq!(s.get_as_of(&k, 1_099).unwrap(), None);
        assert_eq!(s.get_as_of(&k, 1_100).unwrap().map(|r| r.value), Some(2));
        // The versions replaced before the horizon are gone from the store.
        let entries = state.range(Bound::Unbounded, Bound::Unbounded).unwrap();
        let times: Vec<_> = entries
            .iter()
            .map(|(e, _)| version_timestamp(e).unwrap())
            .collect();
        assert_eq!(times, vec![1_050, 1_200]);
        // The latest value stays, however old.
        let (_, s) = store(10);
        s.put(&k, Some(&7), 0).unwrap();
        s.put(&"other".to_owned(), Some(&1), 1_000_000).unwrap();
        assert_eq!(s.get(&k).unwrap().map(|r| r.value), Some(7));
    }

    #[test]
    fn a_store_restored_from_its_changelog_answers_alike() {
        let (state, s) = store(1_000);
        let k = "k".to_owned();
        s.put(&k, Some(&1), 100).unwrap();
        s.put(&k, None, 200).unwrap();
        s.put(&k, Some(&3), 300).unwrap();
        let mut log = Vec::new();
        state.flush(&mut log, false).unwrap();
        let (restored_state, restored) = store(1_000);
        for r in &log {
            let ts = r.timestamp.unwrap_or(super::super::NO_TIMESTAMP);
            restored_state
                .restore(r.key.as_deref().unwrap(), r.value.as_deref(), ts)
                .unwrap();
        }
        for t in [50, 150, 250, 350] {
            assert_eq!(
                restored.get_as_of(&k, t).unwrap(),
                s.get_as_of(&k, t).unwrap(),
                "as of {t}"
            );
        }
        assert_eq!(restored_state.observed_time(), 300);
    }

    /// What a versioned store should answer, kept naively: every version forever.
    #[derive(Default)]
    struct Model {
        versions: BTreeMap<String, BTreeMap<i64, Option<i64>>>,
        observed: Option<i64>,
    }

    impl Model {
        fn horizon(&self, history: i64) -> i64 {
            self.observed.map_or(i64::MIN, |o| o.saturating_sub(history))
        }
        fn put(&mut self, history: i64, key: &str, value: Option<i64>, t: i64) -> PutOutcome {
            if t < self.horizon(history) {
                return PutOutcome::Expired;
            }
            self.observed = Some(self.observed.map_or(t, |o| o.max(t)));
            let versions = self.versions.entry(key.to_owned()).or_default();
            versions.insert(t, value);
            match versions.range(t + 1..).next() {
                Some((next, _)) if t < i64::MAX => PutOutcome::ValidTo(*next),
                _ => PutOutcome::Latest,
            }
        }
        fn get_as_of(&self, history: i64, key: &str, as_of: i64) -> Option<(i64, i64, Option<i64>)> {
            if as_of < self.horizon(history) {
                return None;
            }
            let versions = self.versions.get(key)?;
            let (t, v) = versions.range(..=as_of).next_back()?;
            let valid_to = versions.range(t + 1..).next().map(|(n, _)| *n);
            v.map(|v| (v, *t, valid_to))
        }
        fn get(&self, key: &str) -> Option<(i64, i64)> {
            let (t, v) = self.versions.get(key)?.iter().next_back()?;
            v.map(|v| (v, *t))
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(u8, Option<i64>, i64),
        Flush,
        Query(u8, i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        let time = -50i64..200;
        prop_oneof![
            4 => (0u8..3, proptest::option::of(0i64..100), time.clone()).prop_map(|(k, v, t)| Op::Put(k, v, t)),
            1 => Just(Op::Flush),
            3 => (0u8..3, time).prop_map(|(k, t)| Op::Query(k, t)),
        ]
    }

    proptest! {
        #[test]
        fn answers_as_a_naive_history_does(history in 0i64..120, ops in proptest::collection::vec(op(), 1..80)) {
            let (state, s) = store(history);
            let mut model = Model::default();
            let key = |k: u8| format!("key-{k}");
            for op in ops {
                match op {
                    Op::Put(k, v, t) => {
                        let ours = s.put(&key(k), v.as_ref(), t).unwrap();
                        prop_assert_eq!(ours, model.put(history, &key(k), v, t));
                    }
                    Op::Flush => {
                        state.flush(&mut Vec::new(), false).unwrap();
                    }
                    Op::Query(k, t) => {
                        let ours = s.get_as_of(&key(k), t).unwrap().map(|r| (r.value, r.timestamp, r.valid_to));
                        prop_assert_eq!(ours, model.get_as_of(history, &key(k), t), "as of {}", t);
                        let latest = s.get(&key(k)).unwrap().map(|r| (r.value, r.timestamp));
                        prop_assert_eq!(latest, model.get(&key(k)));
                    }
                }
            }
        }
    }
}
