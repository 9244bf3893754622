//! Window and session stores: the stores of windowed aggregations and stream-stream
//! joins. Their keys are laid out as Kafka Streams lays out the keys of its windowed
//! changelogs, so a store's changelog topic holds what a Kafka Streams user expects:
//!
//! - a window store: the record key's bytes, the window start (8 bytes, big-endian)
//!   and a sequence number (4 bytes, big-endian: 0, or a counter in a store that keeps
//!   duplicates, as a join's does);
//! - a session store: the record key's bytes, the session's end, then its start (8
//!   bytes each, big-endian).
//!
//! Under the byte store, a [`SegmentedBackend`] keeps the entries in time segments
//! (half the retention, at least a minute, each a backend of its own: a B-tree, or a
//! RocksDB database in `<store>/<store>.<segment start>`), and drops a segment whole
//! once the stream time has passed it by the retention.

mod schema;
mod segments;
mod session_store;
mod window_store;

pub(crate) use schema::{KeyLayout, Segmentation, session_key, window_key};
#[cfg(feature = "rocksdb")]
pub(crate) use segments::SegmentFactory;
pub(crate) use segments::SegmentedBackend;

use crate::error::Result;
use crate::store::KeyValueBackend;

/// The in-memory backend of a window or session store.
pub(crate) fn in_memory(name: &str, segments: Segmentation) -> Result<Box<dyn KeyValueBackend>> {
    Ok(Box::new(SegmentedBackend::open(
        name,
        segments,
        Box::new(segments::MemorySegments),
    )?))
}
pub use session_store::SessionStore;
pub use window_store::WindowStore;
