//! [`Suppressed`]: how a table's updates are held back, and [`BufferConfig`]: how many
//! may wait.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::checked;
use crate::error::Result;
use crate::window::{Windowed, millis};

/// What a suppression does when its buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenFull {
    /// Emits the oldest updates early.
    EmitEarly,
    /// Stops the application with an error.
    ShutDown,
}

/// How many updates a suppression may hold (Kafka Streams' `BufferConfig`): a number
/// of keys, a number of bytes (keys, values and record metadata), both, or no limit;
/// and what happens beyond it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferConfig {
    pub(crate) max_records: u64,
    pub(crate) max_bytes: u64,
    pub(crate) when_full: WhenFull,
    pub(crate) logged: bool,
}

impl BufferConfig {
    /// No limit (it still lives in memory): what `until_window_closes` needs to emit
    /// only final results.
    pub fn unbounded() -> Self {
        BufferConfig {
            max_records: u64::MAX,
            max_bytes: u64::MAX,
            when_full: WhenFull::ShutDown,
            logged: true,
        }
    }

    /// At most `n` keys, emitting the oldest early beyond them.
    pub fn max_records(n: u64) -> Self {
        BufferConfig {
            max_records: n,
            max_bytes: u64::MAX,
            when_full: WhenFull::EmitEarly,
            logged: true,
        }
    }

    /// At most `n` bytes, emitting the oldest early beyond them.
    pub fn max_bytes(n: u64) -> Self {
        BufferConfig {
            max_records: u64::MAX,
            max_bytes: n,
            when_full: WhenFull::EmitEarly,
            logged: true,
        }
    }

    /// Also at most `n` keys.
    pub fn with_max_records(self, n: u64) -> Self {
        BufferConfig {
            max_records: n,
            ..self
        }
    }

    /// Also at most `n` bytes.
    pub fn with_max_bytes(self, n: u64) -> Self {
        BufferConfig { max_bytes: n, ..self }
    }

    /// When full, emit the oldest updates early (results may then not be final).
    pub fn emit_early_when_full(self) -> Self {
        BufferConfig {
            when_full: WhenFull::EmitEarly,
            ..self
        }
    }

    /// When full, stop the application with an error naming the buffer (the results
    /// stay final).
    pub fn shut_down_when_full(self) -> Self {
        BufferConfig {
            when_full: WhenFull::ShutDown,
            ..self
        }
    }

    /// Keeps the buffer in memory only: it is lost when the task moves or restarts.
    pub fn with_logging_disabled(self) -> Self {
        BufferConfig {
            logged: false,
            ..self
        }
    }
}

/// When a buffered update is due, from its key and its record's timestamp.
pub(crate) type DueTime<K> = Arc<dyn Fn(&K, i64) -> i64 + Send + Sync>;

/// How a table's updates are suppressed (Kafka Streams' `Suppressed`), for
/// [`KTable::suppress`](crate::KTable::suppress): until the window closes (one final
/// result per window), or for a time after each key's first update.
pub struct Suppressed<K> {
    /// Until a window closes (with the grace found upstream), or for this long.
    pub(crate) wait_ms: Option<i64>,
    pub(crate) due: DueTime<K>,
    pub(crate) buffer: BufferConfig,
    pub(crate) name: Option<String>,
    /// Whether a deletion is dropped rather than emitted (final results).
    pub(crate) drop_tombstones: bool,
}

impl<K: 'static> Suppressed<Windowed<K>> {
    /// Only the final result of each window: an update waits until the stream time has
    /// passed its window's end by the grace of the windowed aggregation upstream (plus
    /// the gap, for sessions). A deletion is not emitted.
    pub fn until_window_closes(buffer: BufferConfig) -> Self {
        Suppressed {
            wait_ms: None,
            due: Arc::new(|k: &Windowed<K>, _| k.window.end),
            buffer,
            name: None,
            drop_tombstones: true,
        }
    }
}

impl<K: 'static> Suppressed<K> {
    /// A key's update waits until the stream time has passed its first buffered
    /// update's timestamp by `limit`; updates in between replace it without moving
    /// that time.
    pub fn until_time_limit(limit: Duration, buffer: BufferConfig) -> Self {
        Suppressed {
            wait_ms: Some(millis(limit)),
            due: Arc::new(|_, timestamp| timestamp),
            buffer,
            name: None,
            drop_tombstones: false,
        }
    }

    /// Names the suppression's processor (and its store, `<name>-store`).
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("Suppressed", name.into())?);
        Ok(self)
    }
}

impl<K> fmt::Debug for Suppressed<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Suppressed")
            .field("wait_ms", &self.wait_ms)
            .field("buffer", &self.buffer)
            .field("name", &self.name)
            .finish()
    }
}
