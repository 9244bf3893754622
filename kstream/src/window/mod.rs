//! Windows over time: how a grouped stream is cut into windows for aggregation
//! ([`TimeWindows`], tumbling or hopping; [`SlidingWindows`]; [`SessionWindows`]), how
//! far apart two streams' records may be to join ([`JoinWindows`]), the windowed keys
//! the aggregations emit ([`Windowed`]) and their serdes, which write the bytes of Kafka
//! Streams' `TimeWindowedSerializer` and `SessionWindowedSerializer`.
//!
//! Every window has a grace period: a record whose window ended more than the grace
//! before the stream time (the largest record timestamp the task has seen) is late. It
//! is dropped, counted in `kstream_skipped_records_total{reason="late"}`, and given to
//! the late-record callback when one is set.

mod definitions;
mod emit;
mod serde;
mod session;

use std::fmt;
use std::time::Duration;

pub use definitions::{JoinWindows, SlidingWindows, TimeWindows};
pub use emit::{EmitStrategy, LateRecord, LateRecords};
pub use serde::{SessionWindowedSerde, TimeWindowedSerde};
pub use session::SessionWindows;

use crate::error::{Error, Result};

/// A window of time, in epoch milliseconds. A time window is `[start, end)`; a sliding
/// window and a session window hold both ends (`[start, end]`), as in Kafka Streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// Its first millisecond.
    pub start: i64,
    /// Its end: the first millisecond after a time window, the last one of a sliding or
    /// session window.
    pub end: i64,
}

impl Window {
    /// The window from `start` to `end`.
    pub fn new(start: i64, end: i64) -> Self {
        Window { start, end }
    }
}

/// A key and the window its aggregate is for: the key of a windowed aggregation's table.
/// Shown as Kafka shows it: `[key@start/end]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Windowed<K> {
    /// The record key.
    pub key: K,
    /// The window.
    pub window: Window,
}

impl<K> Windowed<K> {
    /// `key` in `window`.
    pub fn new(key: K, window: Window) -> Self {
        Windowed { key, window }
    }
}

impl<K: fmt::Display> fmt::Display for Windowed<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}@{}/{}]", self.key, self.window.start, self.window.end)
    }
}

/// `d` in milliseconds (saturating).
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The error of a window option Kafka Streams refuses too.
pub(crate) fn invalid(option: &'static str, d: Duration, reason: &'static str) -> Error {
    Error::InvalidOption {
        option,
        value: format!("{}ms", d.as_millis()),
        reason,
    }
}

/// How long a windowed aggregation keeps its windows: the store's retention when
/// `Materialized::with_retention` gave one (at least `minimum`, the window's size plus
/// its grace, as Kafka requires), else `minimum`.
pub(crate) fn retention(store: &str, asked: Option<Duration>, minimum: i64) -> Result<i64> {
    match asked {
        None => Ok(minimum),
        Some(d) if millis(d) >= minimum => Ok(millis(d)),
        Some(d) => Err(Error::Topology(format!(
            "the retention period of window store `{store}` must be no smaller than its window size \
             plus the grace period: got {}ms, need at least {minimum}ms",
            d.as_millis()
        ))),
    }
}

/// The length of one segment of a window store retained `retention_ms`, as Kafka
/// Streams cuts its segmented stores: half the retention, at least a minute.
pub(crate) fn segment_interval(retention_ms: i64) -> i64 {
    (retention_ms / 2).max(60_000)
}
