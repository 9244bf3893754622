//! Typed views of state stores: for processors ([`KeyValueStore`]) and for the
//! embedding application's interactive queries ([`ReadOnlyKeyValueStore`]).

use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use super::error::StoreError;
use super::state::StateStore;
use crate::error::Result;
use crate::serdes::SerdeRef;

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
        let v = self.values.serialize(self.store.name(), value).map_err(|e| {
            self.store.error(StoreError::Serialize {
                part: "value",
                source: e.into(),
            })
        })?;
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
