//! A windowed deduplicator: drop a record whose id was already seen inside a time
//! window, remembering ids in segments of the window so that forgetting them costs one
//! step per segment.
//!
//! ```
//! use std::time::Duration;
//! use dedup::{Deduplicator, IdSource, Message, TimeBasis, Verdict, Window};
//!
//! let window = Window::new(Duration::from_secs(24 * 3600), 24)?;
//! let mut dedup = Deduplicator::new(IdSource::Key, window, TimeBasis::EventTime);
//! let order = Message { key: Some(b"order-1"), timestamp: 1_700_000_000_000, ..Message::default() };
//! assert!(dedup.check(&order)?.is_new());
//! assert!(!dedup.check(&order)?.is_new()); // resent: dropped
//! # Ok::<(), dedup::Error>(())
//! ```
//!
//! - [`IdSource`]: where the id is (key, header, JSON field, closure); a record without
//!   one is [`Error::MissingId`].
//! - [`Window`] and [`TimeBasis`]: how long ids are remembered, by event time or by a
//!   [`Clock`].
//! - [`OnMissingId`]: what happens to a record without an id (fail, pass, dead letter).
//! - `pipeline` (feature `pipeline`): the standalone topic-to-topic pipeline over
//!   `streamlog`, and the `dedup` binary (feature `cli`).
//! - [`Deduplicator::max_ids`] and [`Deduplicator::max_bytes`]: space bounds that forget
//!   the oldest segments first; [`Deduplicator::check_many_at`] checks a batch faster.
//! - [`store::RocksIds`] (feature `rocksdb`): ids on disk, a column family per segment
//!   written as sorted files, and an interleaved bloom filter per segment.
//! - [`Storage`]: compact 56-bit fingerprints (12 to 19 bytes an id) or exact ids.

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod deduplicator;
mod error;
mod id;
#[cfg(feature = "pipeline")]
pub mod pipeline;
mod policy;
mod segments;
pub mod store;
mod verdict;
mod window;

pub use deduplicator::{Deduplicator, Stats, Storage};
pub use error::{Error, Result};
pub use id::{IdFn, IdSource, Message};
pub use policy::{OnMissingId, dead_letter_headers};
pub use verdict::Verdict;
pub use window::{Clock, MAX_SEGMENTS, ManualClock, SystemClock, TimeBasis, Window};
