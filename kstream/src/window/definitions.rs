//! The windows of time-windowed aggregations and of stream-stream joins.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Window, invalid, millis};
use crate::error::Result;

/// Fixed-size windows (Kafka Streams' `TimeWindows`): tumbling when they advance by their
/// size (the default), hopping when they advance by less, so that a record falls in
/// `size / advance` windows. A window is `[start, start + size)`; windows start at
/// multiples of the advance from the epoch.
///
/// ```
/// use std::time::Duration;
/// use kstream::TimeWindows;
///
/// // Five-minute windows every minute, records up to ten seconds late accepted.
/// let hopping = TimeWindows::of_size_and_grace(Duration::from_secs(300), Duration::from_secs(10))?
///     .advance_by(Duration::from_secs(60))?;
/// assert_eq!(hopping.windows_for(130_000).len(), 3);
/// # Ok::<(), kstream::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindows {
    pub(crate) size_ms: i64,
    pub(crate) advance_ms: i64,
    pub(crate) grace_ms: i64,
}

impl TimeWindows {
    /// Tumbling windows of `size` with no grace: a record is late once the stream time
    /// has passed its window's end.
    pub fn of_size_with_no_grace(size: Duration) -> Result<Self> {
        Self::of_size_and_grace(size, Duration::ZERO)
    }

    /// Tumbling windows of `size` accepting records up to `grace` after a window's end.
    /// A size of zero is [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn of_size_and_grace(size: Duration, grace: Duration) -> Result<Self> {
        let size_ms = millis(size);
        if size_ms <= 0 {
            return Err(invalid("TimeWindows size", size, "must be larger than zero"));
        }
        Ok(TimeWindows {
            size_ms,
            advance_ms: size_ms,
            grace_ms: millis(grace),
        })
    }

    /// Hopping windows: a new window every `advance`, which must be above zero and at
    /// most the size.
    pub fn advance_by(self, advance: Duration) -> Result<Self> {
        let advance_ms = millis(advance);
        if advance_ms <= 0 || advance_ms > self.size_ms {
            return Err(invalid(
                "TimeWindows advance",
                advance,
                "must be more than zero and at most the window size",
            ));
        }
        Ok(TimeWindows { advance_ms, ..self })
    }

    /// The window size.
    pub fn size(&self) -> Duration {
        Duration::from_millis(self.size_ms as u64)
    }

    /// The grace period.
    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms as u64)
    }

    /// The windows a record of `timestamp` falls in, by start (none start before the
    /// epoch).
    pub fn windows_for(&self, timestamp: i64) -> BTreeMap<i64, Window> {
        self.windows_of(timestamp).map(|w| (w.start, w)).collect()
    }

    /// [`windows_for`](Self::windows_for), without collecting them.
    pub(crate) fn windows_of(&self, timestamp: i64) -> impl Iterator<Item = Window> + use<> {
        let (size, advance) = (self.size_ms, self.advance_ms);
        let first = (timestamp - size + advance).max(0) / advance * advance;
        (0..)
            .map(move |i| first + i * advance)
            .take_while(move |start| *start <= timestamp)
            .map(move |start| Window::new(start, start.saturating_add(size)))
    }
}

/// Sliding windows (Kafka Streams' `SlidingWindows`): one window for every distinct set
/// of records no more than `time_difference` apart, both ends included. Unlike hopping
/// windows, only windows holding records exist, and each record is aggregated into a
/// bounded number of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindows {
    pub(crate) difference_ms: i64,
    pub(crate) grace_ms: i64,
}

impl SlidingWindows {
    /// Windows spanning `time_difference`, with no grace.
    pub fn of_time_difference_with_no_grace(time_difference: Duration) -> Result<Self> {
        Self::of_time_difference_and_grace(time_difference, Duration::ZERO)
    }

    /// Windows spanning `time_difference`, accepting records up to `grace` after a
    /// window's end.
    pub fn of_time_difference_and_grace(time_difference: Duration, grace: Duration) -> Result<Self> {
        Ok(SlidingWindows {
            difference_ms: millis(time_difference),
            grace_ms: millis(grace),
        })
    }

    /// The largest time difference between two records of one window.
    pub fn time_difference(&self) -> Duration {
        Duration::from_millis(self.difference_ms as u64)
    }

    /// The grace period.
    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms as u64)
    }
}

/// How far apart in time two records of a stream-stream join may be (Kafka Streams'
/// `JoinWindows`): a record of the left stream at `t` joins the right stream's records
/// from `t - before` to `t + after` (both `time_difference` unless set apart). Left and
/// outer joins emit a record without a match once its window has closed: `after` (or
/// `before`, for the right side) plus the grace after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinWindows {
    pub(crate) before_ms: i64,
    pub(crate) after_ms: i64,
    pub(crate) grace_ms: i64,
}

impl JoinWindows {
    /// Records at most `time_difference` apart join; no grace.
    pub fn of_time_difference_with_no_grace(time_difference: Duration) -> Result<Self> {
        Self::of_time_difference_and_grace(time_difference, Duration::ZERO)
    }

    /// Records at most `time_difference` apart join; records up to `grace` late are
    /// accepted.
    pub fn of_time_difference_and_grace(time_difference: Duration, grace: Duration) -> Result<Self> {
        let d = millis(time_difference);
        Ok(JoinWindows {
            before_ms: d,
            after_ms: d,
            grace_ms: millis(grace),
        })
    }

    /// How much earlier than a left record a right record may be.
    pub fn before(self, time_difference: Duration) -> Result<Self> {
        Ok(JoinWindows {
            before_ms: millis(time_difference),
            ..self
        })
    }

    /// How much later than a left record a right record may be.
    pub fn after(self, time_difference: Duration) -> Result<Self> {
        Ok(JoinWindows {
            after_ms: millis(time_difference),
            ..self
        })
    }

    /// The grace period.
    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms as u64)
    }

    /// The span of the window: `before + after`.
    pub fn size(&self) -> Duration {
        Duration::from_millis((self.before_ms + self.after_ms) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn tumbling_windows_hold_each_record_once_and_hopping_ones_several_times() {
        let tumbling = TimeWindows::of_size_with_no_grace(secs(10)).unwrap();
        assert_eq!(
            tumbling.windows_for(12_345).into_values().collect::<Vec<_>>(),
            vec![Window::new(10_000, 20_000)]
        );
        assert_eq!(tumbling.windows_for(10_000).len(), 1);
        let hopping = tumbling.advance_by(secs(5)).unwrap();
        assert_eq!(
            hopping.windows_for(12_345).into_values().collect::<Vec<_>>(),
            vec![Window::new(5_000, 15_000), Window::new(10_000, 20_000)]
        );
        // No window starts before the epoch.
        assert_eq!(
            hopping.windows_for(3_000).into_values().collect::<Vec<_>>(),
            vec![Window::new(0, 10_000)]
        );
    }

    #[test]
    fn sizes_and_advances_kafka_refuses_are_typed_errors() {
        assert!(TimeWindows::of_size_with_no_grace(Duration::ZERO).is_err());
        let w = TimeWindows::of_size_with_no_grace(secs(10)).unwrap();
        assert!(w.advance_by(Duration::ZERO).is_err());
        let err = w.advance_by(secs(11)).unwrap_err();
        assert!(err.to_string().contains("TimeWindows advance"), "{err}");
    }
}
