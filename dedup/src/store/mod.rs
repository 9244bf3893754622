//! Where seen ids are kept, each in the segment it was first seen in.
//!
//! [`CompactIds`] keeps a 56-bit fingerprint of each id in 8 bytes; [`ExactIds`]
//! keeps whole ids; `RocksIds` (feature `rocksdb`) keeps whole ids on disk, a column
//! family and an in-memory bloom filter per segment. All forget a segment at once.

#[cfg(feature = "rocksdb")]
mod bloom;
mod compact;
mod exact;
#[cfg(feature = "rocksdb")]
mod rocks;

pub use compact::CompactIds;
pub use exact::ExactIds;
#[cfg(feature = "rocksdb")]
pub use rocks::RocksIds;

use crate::error::Result;

/// A set of seen ids, each in a segment. Every segment below the first live one (see
/// [`SeenIds::expire`]) is gone.
pub trait SeenIds: Send {
    /// The segment `id` (with `hash`, the deduplicator's hash of it) was seen in, if it
    /// is held; else, with `insert_into`, remembers it in that segment.
    /// Fails only where the set is on disk.
    fn check_and_insert(&mut self, id: &[u8], hash: u64, insert_into: Option<i64>) -> Result<Option<i64>>;

    /// Forgets every id of the segments below `first_live`, `ids` of them (the caller
    /// counts ids per segment); later calls never pass a smaller `first_live`.
    fn expire(&mut self, first_live: i64, ids: usize) -> Result<()>;

    /// How many ids are held.
    fn len(&self) -> usize;

    /// Whether no id is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The memory the set holds, in bytes (its tables' capacity, not only what is used).
    fn bytes(&self) -> usize;
}
