//! The window: how long an id is remembered, cut into segments; and the time it is
//! measured in (the records' event time, or a clock's).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::error::{Error, Result};

/// How long ids are remembered, in `segments` equal segments of time. An id seen in a
/// segment is forgotten when the whole segment is older than the window: between
/// `length` and `length + length / segments` after it was seen. More segments forget
/// closer to `length`, each costing a little bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    segment_ms: i64,
    segments: u32,
}

/// The most segments a window has: the compact store tags each id with its segment in
/// 8 bits, and the live segments (the window's and the current one) must all differ,
/// with room for expired ones to read as expired until they are swept.
pub const MAX_SEGMENTS: u32 = 126;

impl Window {
    /// A window of `length` in `segments` segments (1 to [`MAX_SEGMENTS`]); the segment
    /// length is rounded up to a whole millisecond.
    pub fn new(length: Duration, segments: u32) -> Result<Self> {
        if segments == 0 || segments > MAX_SEGMENTS {
            return Err(Error::Config {
                setting: "window.segments",
                reason: format!("{segments}: expected 1 to {MAX_SEGMENTS}"),
            });
        }
        let ms = i64::try_from(length.as_millis()).unwrap_or(i64::MAX);
        if ms < 1 {
            return Err(Error::Config {
                setting: "window.length",
                reason: format!("{length:?}: expected at least a millisecond"),
            });
        }
        Ok(Window {
            segment_ms: (ms + i64::from(segments) - 1) / i64::from(segments),
            segments,
        })
    }

    /// The length of one segment, in milliseconds.
    pub fn segment_ms(&self) -> i64 {
        self.segment_ms
    }

    /// How many segments the window holds.
    pub fn segments(&self) -> u32 {
        self.segments
    }

    /// The segment holding time `ms`.
    pub fn segment_of(&self, ms: i64) -> i64 {
        ms.div_euclid(self.segment_ms)
    }

    /// The first time of segment `segment`.
    pub fn segment_start(&self, segment: i64) -> i64 {
        segment.saturating_mul(self.segment_ms)
    }

    /// The oldest segment still inside the window when the time is `now`.
    pub fn first_live(&self, now: i64) -> i64 {
        self.segment_of(now) - i64::from(self.segments)
    }
}

/// A source of the current time, in milliseconds since the epoch.
pub trait Clock: Send + Sync {
    /// Now.
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        // Processing time is wall-clock time by definition.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock moved by hand, for tests and simulations.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock at `ms`.
    pub fn at(ms: i64) -> Self {
        ManualClock(AtomicI64::new(ms))
    }
    /// Moves the clock by `ms` (forward, or back for a negative value).
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Which time places a record in the window.
#[derive(Clone)]
pub enum TimeBasis {
    /// The record's own timestamp: the window follows the newest event time seen, and a
    /// late record is placed by its own time.
    EventTime,
    /// The clock's time when the record is checked.
    ProcessingTime(Arc<dyn Clock>),
}

impl fmt::Debug for TimeBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeBasis::EventTime => f.write_str("EventTime"),
            TimeBasis::ProcessingTime(_) => f.write_str("ProcessingTime(..)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_the_window() {
        let w = Window::new(Duration::from_secs(60), 4).unwrap();
        assert_eq!(w.segment_ms(), 15_000);
        assert_eq!(w.segment_of(-1), -1);
        assert_eq!(w.segment_of(14_999), 0);
        assert_eq!(w.first_live(60_000), 0);
        assert_eq!(w.first_live(75_000), 1);
        assert!(Window::new(Duration::from_secs(1), 0).is_err());
        assert!(Window::new(Duration::ZERO, 1).is_err());
        assert!(Window::new(Duration::from_secs(1), MAX_SEGMENTS + 1).is_err());
    }
}
