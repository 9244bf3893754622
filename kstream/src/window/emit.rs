//! When a windowed aggregation emits, and what it does with late records.

use std::sync::Arc;

/// When a windowed aggregation passes its results on (Kafka Streams' `EmitStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmitStrategy {
    /// Every update of a window, as it happens (the default).
    #[default]
    OnWindowUpdate,
    /// Each window once, when it closes (its end plus the grace has passed): the final
    /// result, without the suppression buffer.
    OnWindowClose,
}

impl EmitStrategy {
    /// Every update of a window.
    pub fn on_window_update() -> Self {
        EmitStrategy::OnWindowUpdate
    }

    /// Each window once, when it closes.
    pub fn on_window_close() -> Self {
        EmitStrategy::OnWindowClose
    }
}

/// A record that came too late for its windows, as the late-record callback sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateRecord {
    /// The processor that dropped it.
    pub processor: String,
    /// Where it was read from.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its timestamp.
    pub timestamp: i64,
    /// The stream time when it came: every window it falls in had closed.
    pub stream_time: i64,
}

/// A callback given each late record (see `TimeWindowedKStream::on_late_record`).
pub type LateRecords = Arc<dyn Fn(&LateRecord) + Send + Sync>;
