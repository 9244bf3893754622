//! The byte-level key-value backends under state stores.

use std::collections::BTreeMap;
use std::ops::Bound;

use bytes::Bytes;

use crate::error::Result;

/// A key-value map of bytes, ordered by key: what a state store keeps its data in.
/// Implement it to plug in another engine; an engine's failure is an
/// [`Error::Store`](crate::Error::Store) naming the store, with
/// [`StoreError::Engine`](super::StoreError::Engine) (the engine's error as its source).
pub trait KeyValueBackend: Send {
    /// The value of `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>>;
    /// Sets `key` to `value`.
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()>;
    /// Removes `key`.
    fn delete(&mut self, key: &[u8]) -> Result<()>;
    /// Applies several writes (`None` deletes); engines with batches apply them as one.
    fn write_all(&mut self, writes: &[(&[u8], Option<&[u8]>)]) -> Result<()> {
        for (key, value) in writes {
            match value {
                Some(v) => self.put(key, v)?,
                None => self.delete(key)?,
            }
        }
        Ok(())
    }
    /// The entries between the bounds, in key order.
    fn range(&self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> Result<Vec<(Bytes, Bytes)>>;
    /// About how many entries it holds.
    fn approximate_len(&self) -> u64;
    /// Makes what was written durable (a no-op in memory).
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    /// Enters (`true`) or leaves bulk loading: a restore from the changelog is under
    /// way, and only writes come until it ends. An engine may then trade what reads
    /// need for faster writes (by default, nothing changes).
    fn bulk_loading(&mut self, on: bool) -> Result<()> {
        let _ = on;
        Ok(())
    }
    /// Whether the data outlives the process (then a checkpoint can skip restoring it).
    fn persistent(&self) -> bool;
    /// Whether the store's cache should keep what was read and flushed, so that hot
    /// keys are not read back from the engine after every commit: by default, when
    /// the data is on disk.
    fn cache_reads(&self) -> bool {
        self.persistent()
    }
}

/// The in-memory backend: a B-tree. Restored from the changelog on every start.
#[derive(Debug, Default)]
pub struct InMemoryBackend(BTreeMap<Bytes, Bytes>);

impl KeyValueBackend for InMemoryBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        Ok(self.0.get(key).cloned())
    }
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.0
            .insert(Bytes::copy_from_slice(key), Bytes::copy_from_slice(value));
        Ok(())
    }
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.0.remove(key);
        Ok(())
    }
    fn range(&self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
        Ok(self
            .0
            .range::<[u8], _>((from, to))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
    fn approximate_len(&self) -> u64 {
        self.0.len() as u64
    }
    fn persistent(&self) -> bool {
        false
    }
}
