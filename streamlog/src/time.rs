//! Injected time: logic asks a [`Clock`], never the system directly.
//!
//! The clock is the time of the log's logic: record timestamps, retention, auto-commit
//! intervals, group member and transaction timeouts. A call's timeout (how long `poll`
//! or `flush` may block the calling thread) is real time whatever the clock: a
//! [`ManualClock`] that a test moves by hand must not make `poll(timeout)` wait forever.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// A source of wall-clock time in milliseconds since the Unix epoch.
///
/// Retention, auto-commit intervals, rebalance and transaction timeouts read the time
/// from a clock, so tests can move time forward without sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
}

/// The system's real-time clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        // The one place that reads the system time.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to. Cloning shares the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `millis`.
    pub fn new(millis: i64) -> Self {
        Self(Arc::new(AtomicI64::new(millis)))
    }

    /// Moves the clock forward by `millis`.
    pub fn advance(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }

    /// Sets the clock to `millis`.
    pub fn set(&self, millis: i64) {
        self.0.store(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The real-time moment at which a blocking call stops waiting: on a condition variable,
/// in librdkafka's poll, between tries of a request.
///
/// These waits hold a thread, so they run on the system's monotonic time, not on a
/// [`Clock`]. With [`SystemClock`], this is the one place that reads the system's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// `timeout` from now. A timeout too long to represent waits for a century, the
    /// same as forever.
    pub(crate) fn after(timeout: Duration) -> Self {
        let now = Instant::now();
        Self(
            now.checked_add(timeout)
                .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600)),
        )
    }

    /// Whether the moment has come.
    pub(crate) fn has_passed(self) -> bool {
        Instant::now() >= self.0
    }

    /// What is left until the moment; zero once it has passed.
    #[cfg_attr(not(feature = "kafka"), allow(dead_code))]
    pub(crate) fn remaining(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// The moment, for waits that take an [`Instant`].
    pub(crate) fn instant(self) -> Instant {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Clock, Deadline, ManualClock};

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(1_000);
        let shared = clock.clone();
        clock.advance(500);
        assert_eq!(shared.now_millis(), 1_500);
        shared.set(7);
        assert_eq!(clock.now_millis(), 7);
    }

    #[test]
    fn a_deadline_passes_after_its_timeout() {
        let deadline = Deadline::after(Duration::from_millis(30));
        assert!(!deadline.has_passed());
        assert!(deadline.remaining() <= Duration::from_millis(30));
        std::thread::sleep(Duration::from_millis(40));
        assert!(deadline.has_passed());
        assert_eq!(deadline.remaining(), Duration::ZERO);
    }

    #[test]
    fn an_unrepresentable_timeout_is_a_distant_deadline_not_a_panic() {
        let deadline = Deadline::after(Duration::MAX);
        assert!(!deadline.has_passed());
        assert!(deadline.remaining() > Duration::from_secs(365 * 24 * 3600));
    }
}
