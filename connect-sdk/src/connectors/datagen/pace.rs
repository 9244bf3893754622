//! When each generated record is due: as fast as polled, at a fixed rate, or a random
//! interval up to `max.interval` apart.

use std::time::{Duration, Instant};

/// A backlog older than this is dropped rather than sent at once (the worker paused the
/// task, or could not keep up).
const MAX_BACKLOG: Duration = Duration::from_secs(1);

/// How records are spaced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Pace {
    /// As many as a poll takes.
    Unpaced,
    /// This many a second (`records.per.second`).
    PerSecond(f64),
    /// A random interval below this one apart (`max.interval`, as Confluent's datagen).
    MaxInterval(Duration),
}

/// When the next record is due.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pace: Pace,
    /// Where a fixed rate counts from (rates are counted, not summed, so they do not
    /// drift).
    base: Instant,
    since_base: u64,
    /// `None`: not in this process's lifetime.
    next_due: Option<Instant>,
}

impl Schedule {
    /// A schedule whose first record is due `now`.
    pub(crate) fn new(pace: Pace, now: Instant) -> Self {
        Schedule {
            pace,
            base: now,
            since_base: 0,
            next_due: Some(now),
        }
    }

    /// Whether a record is due at `now`.
    pub(crate) fn is_due(&self, now: Instant) -> bool {
        self.next_due.is_some_and(|due| due <= now)
    }

    /// How long until the next record is due (zero when it is).
    pub(crate) fn wait(&self, now: Instant) -> Duration {
        self.next_due
            .map_or(Duration::MAX, |due| due.saturating_duration_since(now))
    }

    /// A record was made: the next is due after it. `draw`, in `[0, 1)`, is the share of
    /// `max.interval` to wait.
    pub(crate) fn advance(&mut self, draw: f64) {
        self.since_base += 1;
        self.next_due = match self.pace {
            Pace::Unpaced => Some(self.base),
            Pace::PerSecond(rate) => Duration::try_from_secs_f64(self.since_base as f64 / rate)
                .ok()
                .and_then(|d| self.base.checked_add(d)),
            Pace::MaxInterval(max) => {
                let gap =
                    Duration::try_from_secs_f64(max.as_secs_f64() * draw.clamp(0.0, 1.0)).unwrap_or(max);
                self.next_due.and_then(|due| due.checked_add(gap))
            }
        };
    }

    /// Drops a backlog older than a second: the schedule starts again at `now`.
    pub(crate) fn forget_backlog(&mut self, now: Instant) {
        if let Some(due) = self.next_due
            && now.saturating_duration_since(due) > MAX_BACKLOG
        {
            self.base = now;
            self.since_base = 0;
            self.next_due = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_spaces_records_evenly() {
        let start = Instant::now();
        let mut schedule = Schedule::new(Pace::PerSecond(10.0), start);
        assert!(schedule.is_due(start));
        schedule.advance(0.5);
        assert!(!schedule.is_due(start));
        assert_eq!(schedule.wait(start), Duration::from_millis(100));
        for _ in 0..9 {
            schedule.advance(0.5);
        }
        assert_eq!(schedule.wait(start), Duration::from_secs(1));
    }

    #[test]
    fn a_backlog_of_more_than_a_second_is_dropped() {
        let start = Instant::now();
        let mut schedule = Schedule::new(Pace::PerSecond(1.0), start);
        schedule.advance(0.0);
        let later = start + Duration::from_secs(5);
        schedule.forget_backlog(later);
        assert!(schedule.is_due(later));
        schedule.advance(0.0);
        assert_eq!(schedule.wait(later), Duration::from_secs(1));
    }

    #[test]
    fn a_tiny_rate_is_never_due_rather_than_a_panic() {
        let start = Instant::now();
        let mut schedule = Schedule::new(Pace::PerSecond(1e-300), start);
        schedule.advance(0.0);
        assert!(!schedule.is_due(start + Duration::from_secs(3600)));
    }
}
