//! Where seen ids are kept, each in the segment it was first seen in.
//!
//! [`CompactIds`] keeps a 48-bit fingerprint of each id in 8 bytes; [`ExactIds`]
//! keeps whole ids. Both forget a segment at once.

mod compact;
mod exact;

pub use compact::CompactIds;
pub use exact::ExactIds;

/// A set of seen ids, each in a segment. Every segment below the first live one (see
/// [`SeenIds::expire`]) is gone.
pub trait SeenIds: Send {
    /// The segment `id` (with `hash`, the deduplicator's hash of it) was seen in, if it
    /// is held; else, with `insert_into`, remembers it in that segment.
    fn check_and_insert(&mut self, id: &[u8], hash: u64, insert_into: Option<i64>) -> Option<i64>;

    /// Forgets every id of the segments below `first_live`, `ids` of them (the caller
    /// counts ids per segment); later calls never pass a smaller `first_live`.
    fn expire(&mut self, first_live: i64, ids: usize);

    /// How many ids are held.
    fn len(&self) -> usize;

    /// Whether no id is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The memory the set holds, in bytes (its tables' capacity, not only what is used).
    fn bytes(&self) -> usize;
}
