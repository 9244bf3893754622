//! [`SessionWindows`]: windows of activity separated by gaps.

use std::time::Duration;

use super::{invalid, millis};
use crate::error::Result;

/// Session windows (Kafka Streams' `SessionWindows`): a key's records less than the
/// inactivity gap apart are one session; a record that falls between two sessions
/// merges them. A session is `[first record, last record]`, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionWindows {
    pub(crate) gap_ms: i64,
    pub(crate) grace_ms: i64,
}

impl SessionWindows {
    /// Sessions closed by `gap` of inactivity, with no grace.
    pub fn of_inactivity_gap_with_no_grace(gap: Duration) -> Result<Self> {
        Self::of_inactivity_gap_and_grace(gap, Duration::ZERO)
    }

    /// Sessions closed by `gap` of inactivity, accepting records up to `grace` after a
    /// session's end. A gap of zero is [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn of_inactivity_gap_and_grace(gap: Duration, grace: Duration) -> Result<Self> {
        let gap_ms = millis(gap);
        if gap_ms <= 0 {
            return Err(invalid("SessionWindows gap", gap, "cannot be zero"));
        }
        Ok(SessionWindows {
            gap_ms,
            grace_ms: millis(grace),
        })
    }

    /// The inactivity gap.
    pub fn inactivity_gap(&self) -> Duration {
        Duration::from_millis(self.gap_ms as u64)
    }

    /// The grace period.
    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms as u64)
    }
}
