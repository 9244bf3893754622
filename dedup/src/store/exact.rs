//! Whole ids in a hash map.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::SeenIds;
use crate::error::Result;

/// The deduplicator has already hashed the id: the map uses that hash as is.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is called (see `Key`'s `Hash`); any other input folds in.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// An id with its hash: hashed by the hash, compared by the bytes.
#[derive(PartialEq, Eq)]
struct Key {
    hash: u64,
    id: Box<[u8]>,
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Seen ids kept whole, so two different ids are never taken for the same one; an id
/// costs its length plus about 60 bytes.
#[derive(Default)]
pub struct ExactIds {
    ids: HashMap<Key, i64, BuildHasherDefault<Prehashed>>,
    /// The bytes of the ids held.
    id_bytes: usize,
}

impl std::fmt::Debug for ExactIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactIds").field("len", &self.ids.len()).finish()
    }
}

impl ExactIds {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SeenIds for ExactIds {
    fn check_and_insert(&mut self, id: &[u8], hash: u64, insert_into: Option<i64>) -> Result<Option<i64>> {
        let key = Key { hash, id: id.into() };
        if let Some(segment) = self.ids.get(&key) {
            return Ok(Some(*segment));
        }
        if let Some(segment) = insert_into {
            self.id_bytes += key.id.len();
            self.ids.insert(key, segment);
        }
        Ok(None)
    }

    fn expire(&mut self, first_live: i64, _ids: usize) -> Result<()> {
        let mut freed = 0;
        self.ids.retain(|key, segment| {
            let keep = *segment >= first_live;
            if !keep {
                freed += key.id.len();
            }
            keep
        });
        self.id_bytes -= freed;
        Ok(())
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn bytes(&self) -> usize {
        // Each bucket: the key (hash, boxed slice), the segment, a control byte.
        self.ids.capacity() * (std::mem::size_of::<(Key, i64)>() + 1) + self.id_bytes
    }

    fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
    }
}
