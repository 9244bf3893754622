//! Typed views of state stores: for processors ([`KeyValueStore`]) and for the
//! embedding application's interactive queries ([`ReadOnlyKeyValueStore`]).

use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use super::error::StoreError;
use super::state::StateStore;
use crate::error::Result;
use crate::serdes::{Serde, SerdeRef};

pub(super) fn key_bytes<K: 'static>(store: &StateStore, serde: &SerdeRef<K>, key: &K) -> Result<Bytes> {
    serde
        .serialize(store.name(), key)
        .map_err(|e| {
            store.error(StoreError::Serialize {
                part: "key",
                source: e.into(),
            })
        })?
        .ok_or_else(|| store.error(StoreError::NullKey))
}

pub(super) fn stored<T: 'static>(
    store: &StateStore,
    serde: &SerdeRef<T>,
    part: &'static str,
    bytes: &[u8],
) -> Result<T> {
    serde.deserialize(store.name(), Some(bytes)).map_err(|e| {
        store.error(StoreError::Deserialize {
            part,
            source: e.into(),
        })
    })
}

/// The bytes `serde` gives `value` (`None`: null).
pub(super) fn value_bytes<V: 'static>(
    store: &StateStore,
    serde: &SerdeRef<V>,
    value: &V,
) -> Result<Option<Bytes>> {
    serde.serialize(store.name(), value).map_err(|e| {
        store.error(StoreError::Serialize {
            part: "value",
            source: e.into(),
        })
    })
}

/// Writes `value` (`None`: deletes) under the store key `key`, stamped `timestamp`;
/// returns the value's length in bytes.
pub(super) fn put_value<V: 'static>(
    store: &StateStore,
    serde: &SerdeRef<V>,
    key: Bytes,
    value: Option<&V>,
    timestamp: i64,
) -> Result<usize> {
    let bytes = match value {
        Some(v) => value_bytes(store, serde, v)?,
        None => None,
    };
    let len = bytes.as_ref().map_or(0, Bytes::len);
    store.put_stamped(key, bytes, timestamp);
    Ok(len)
}

pub(super) fn value_of<V: 'static>(store: &StateStore, serde: &SerdeRef<V>, bytes: &[u8]) -> Result<V> {
    stored(store, serde, "value", bytes)
}

pub(super) fn bound(b: Bound<&Bytes>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_ref()),
        Bound::Excluded(k) => Bound::Excluded(k.as_ref()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The bytes `serde` gives `prefix`, to scan the keys of `store` starting with them.
pub(super) fn prefix_bytes<P: 'static>(
    store: &StateStore,
    prefix: &P,
    serde: &impl Serde<P>,
) -> Result<Bytes> {
    Ok(serde
        .serialize(store.name(), prefix)
        .map_err(|e| {
            store.error(StoreError::Serialize {
                part: "key prefix",
                source: e.into(),
            })
        })?
        .unwrap_or_default())
}

/// The range of the keys starting with `prefix`: from the prefix, up to (excluded) the
/// prefix with its last byte below 0xff incremented and what follows it dropped, or to
/// the end when every byte is 0xff.
pub(super) fn prefix_range(prefix: &[u8]) -> (Bytes, Option<Bytes>) {
    let end = prefix.iter().rposition(|&b| b != 0xff).map(|last| {
        let mut end = prefix[..=last].to_vec();
        end[last] += 1;
        Bytes::from(end)
    });
    (Bytes::copy_from_slice(prefix), end)
}

/// The bounds of [`prefix_range`]'s range.
pub(super) fn prefix_bounds(range: &(Bytes, Option<Bytes>)) -> (Bound<&Bytes>, Bound<&Bytes>) {
    (
        Bound::Included(&range.0),
        range.1.as_ref().map_or(Bound::Unbounded, Bound::Excluded),
    )
}

/// A typed key-value store, as a processor sees it (read and write).
///
/// On a timestamped store (every store of the DSL) it reads the values without their
/// timestamps, and [`put`](Self::put) writes a value with
/// [`NO_TIMESTAMP`](super::NO_TIMESTAMP), as Kafka's key-value facade of a
/// timestamped store does; [`TimestampedKeyValueStore`](super::TimestampedKeyValueStore)
/// reads and writes the timestamps.
pub struct KeyValueStore<K, V> {
    pub(super) store: Arc<StateStore>,
    pub(super) keys: SerdeRef<K>,
    pub(super) values: SerdeRef<V>,
}

impl<K, V> Clone for KeyValueStore<K, V> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            keys: self.keys.clone(),
            values: self.values.clone(),
        }
    }
}

impl<K, V> std::fmt::Debug for KeyValueStore<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyValueStore")
            .field("name", &self.store.name())
            .finish()
    }
}

impl<K: 'static, V: 'static> KeyValueStore<K, V> {
    pub(crate) fn new(store: Arc<StateStore>, keys: SerdeRef<K>, values: SerdeRef<V>) -> Self {
        Self { store, keys, values }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.store.name()
    }

    /// The value of `key`.
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        let k = key_bytes(&self.store, &self.keys, key)?;
        match self.store.get(&k)? {
            Some(v) => value_of(&self.store, &self.values, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Sets `key` to `value`.
    pub fn put(&self, key: &K, value: &V) -> Result<()> {
        self.put_bytes(key_bytes(&self.store, &self.keys, key)?, value)
    }

    /// Sets the key with these bytes to `value`.
    pub(crate) fn put_bytes(&self, key: Bytes, value: &V) -> Result<()> {
        let v = value_bytes(&self.store, &self.values, value)?;
        self.store.put(key, v);
        Ok(())
    }

    /// Removes `key`.
    pub fn delete(&self, key: &K) -> Result<()> {
        let k = key_bytes(&self.store, &self.keys, key)?;
        self.store.put(k, None);
        Ok(())
    }

    /// Entries with `from <= key <= to` (by the keys' serialized bytes), in order.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, V)>> {
        let (f, t) = (
            key_bytes(&self.store, &self.keys, from)?,
            key_bytes(&self.store, &self.keys, to)?,
        );
        self.entries(Bound::Included(&f), Bound::Included(&t))
    }

    /// Every entry, in key order.
    pub fn all(&self) -> Result<Vec<(K, V)>> {
        self.entries(Bound::Unbounded, Bound::Unbounded)
    }

    /// Entries whose key's bytes start with the bytes `prefix_serde` gives `prefix`, in
    /// key order (Kafka Streams' `prefixScan`): with a key serde that writes a key's
    /// leading part first, every key sharing that part.
    pub fn prefix_scan<P: 'static>(&self, prefix: &P, prefix_serde: &impl Serde<P>) -> Result<Vec<(K, V)>> {
        self.prefix_scan_bytes(&prefix_bytes(&self.store, prefix, prefix_serde)?)
    }

    /// Entries whose key's bytes start with `prefix`, in key order.
    pub(crate) fn prefix_scan_bytes(&self, prefix: &[u8]) -> Result<Vec<(K, V)>> {
        let range = prefix_range(prefix);
        let (from, to) = prefix_bounds(&range);
        self.entries(from, to)
    }

    fn entries(&self, from: Bound<&Bytes>, to: Bound<&Bytes>) -> Result<Vec<(K, V)>> {
        self.store
            .range(bound(from), bound(to))?
            .into_iter()
            .map(|(k, v)| {
                let key = stored(&self.store, &self.keys, "key", &k)?;
                Ok((key, value_of(&self.store, &self.values, &v)?))
            })
            .collect()
    }
}

/// A store as the embedding application queries it while the topology runs: all local
/// instances of the store (one per task) seen as one.
pub struct ReadOnlyKeyValueStore<K, V> {
    name: String,
    parts: Vec<KeyValueStore<K, V>>,
}

impl<K: 'static, V: 'static> ReadOnlyKeyValueStore<K, V> {
    pub(crate) fn new(name: &str, parts: Vec<KeyValueStore<K, V>>) -> Self {
        Self {
            name: name.to_owned(),
            parts,
        }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key`, from whichever local task holds it.
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        for part in &self.parts {
            if let Some(v) = part.get(key)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Entries with `from <= key <= to`, in key order across tasks.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, V)>>
    where
        K: Ord,
    {
        self.merged(|p| p.range(from, to))
    }

    /// Every entry, in key order across tasks.
    pub fn all(&self) -> Result<Vec<(K, V)>>
    where
        K: Ord,
    {
        self.merged(KeyValueStore::all)
    }

    /// Entries whose key's bytes start with the bytes `prefix_serde` gives `prefix`, in
    /// key order across tasks (Kafka Streams' `prefixScan`).
    pub fn prefix_scan<P: 'static>(&self, prefix: &P, prefix_serde: &impl Serde<P>) -> Result<Vec<(K, V)>>
    where
        K: Ord,
    {
        self.merged(|p| p.prefix_scan(prefix, prefix_serde))
    }

    /// About how many entries the local instances hold.
    pub fn approximate_len(&self) -> u64 {
        self.parts.iter().map(|p| p.store.approximate_len()).sum()
    }

    fn merged(&self, read: impl Fn(&KeyValueStore<K, V>) -> Result<Vec<(K, V)>>) -> Result<Vec<(K, V)>>
    where
        K: Ord,
    {
        merged(&self.parts, read)
    }
}

/// What `read` gives for each of `parts`, as one list in key order.
pub(super) fn merged<P, K: Ord, T>(
    parts: &[P],
    read: impl Fn(&P) -> Result<Vec<(K, T)>>,
) -> Result<Vec<(K, T)>> {
    let mut all = Vec::new();
    for part in parts {
        all.extend(read(part)?);
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(all)
}

impl<K, V> std::fmt::Debug for ReadOnlyKeyValueStore<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlyKeyValueStore")
            .field("name", &self.name)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serdes::{BytesSerde, StringSerde};
    use crate::store::{InMemoryBackend, TimestampedKeyValueStore, ValueLayout};

    fn store(layout: ValueLayout) -> Arc<StateStore> {
        Arc::new(StateStore::new(
            "s",
            Box::new(InMemoryBackend::default()),
            None,
            layout,
        ))
    }

    #[test]
    fn a_prefix_scan_finds_the_keys_that_start_with_the_prefix_and_no_other() {
        let s = KeyValueStore::new(
            store(ValueLayout::Plain),
            Arc::new(BytesSerde),
            Arc::new(StringSerde),
        );
        for key in [
            &b"a"[..],
            b"ab",
            b"ab\xff",
            b"ab\xff\x00",
            b"ac",
            b"b",
            b"\xff",
            b"\xff\xff\x01",
        ] {
            s.put(&Bytes::copy_from_slice(key), &format!("{key:?}")).unwrap();
        }
        let keys = |prefix: &[u8]| -> Vec<Bytes> {
            s.prefix_scan_bytes(prefix)
                .unwrap()
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        let b = |k: &'static [u8]| Bytes::from_static(k);
        assert_eq!(keys(b"ab"), [b(b"ab"), b(b"ab\xff"), b(b"ab\xff\x00")]);
        assert_eq!(keys(b"ab\xff"), [b(b"ab\xff"), b(b"ab\xff\x00")]);
        assert_eq!(keys(b"\xff"), [b(b"\xff"), b(b"\xff\xff\x01")]);
        assert_eq!(keys(b"\xff\xff"), [b(b"\xff\xff\x01")]);
        assert_eq!(keys(b"c"), Vec::<Bytes>::new());
        assert_eq!(keys(b"").len(), 8);
        let typed = s.prefix_scan(&"a".to_owned(), &StringSerde).unwrap();
        assert_eq!(typed.len(), 5);
        // The timestamped view scans the same way, with each value's timestamp.
        let stamped = TimestampedKeyValueStore::new(
            store(ValueLayout::Timestamped),
            Arc::new(BytesSerde),
            Arc::new(StringSerde),
        )
        .unwrap();
        for (i, key) in [&b"ab"[..], b"ab\x00", b"ac"].into_iter().enumerate() {
            stamped
                .put(&Bytes::copy_from_slice(key), &"v".to_owned(), i as i64)
                .unwrap();
        }
        let found: Vec<(Bytes, i64)> = stamped
            .prefix_scan(&"ab".to_owned(), &StringSerde)
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, v.timestamp))
            .collect();
        assert_eq!(found, [(b(b"ab"), 0), (b(b"ab\x00"), 1)]);
    }
}
