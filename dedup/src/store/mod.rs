//! Where seen ids are kept, each in the segment it was first seen in.
//!
//! [`CompactIds`] keeps a 56-bit fingerprint of each id in 8 bytes; [`ExactIds`]
//! keeps whole ids; `RocksIds` (feature `rocksdb`) keeps whole ids on disk, a column
//! family and an in-memory bloom filter per segment. All forget a segment at once.

#[cfg(feature = "rocksdb")]
mod bloom;
mod buckets;
mod compact;
mod exact;
#[cfg(feature = "rocksdb")]
mod rocks;

pub use compact::CompactIds;
pub use exact::ExactIds;
#[cfg(feature = "rocksdb")]
pub use rocks::{MAX_IDS_IN_MEMORY, RocksIds};

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

    /// Learns the window it serves, before its first id (a store sizing itself by the
    /// segments).
    fn prepare(&mut self, window: &crate::Window) {
        let _ = window;
    }

    /// Reads the memory a check of `hash` will read, so that its fetch overlaps those of
    /// the other ids of a batch ([`Deduplicator::check_many_at`](crate::Deduplicator::check_many_at)).
    fn look_ahead(&self, hash: u64) {
        let _ = hash;
    }

    /// Gives back the memory that the ids held no longer need (after segments were
    /// forgotten to keep within a space bound).
    fn shrink_to_fit(&mut self) {}
}
