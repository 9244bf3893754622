//! Waiting out a serde whose dependency is unavailable: the same call again with
//! backoff (10 ms doubling to 1 s), until it answers, `task.timeout.ms` passes, or the
//! application closes. Bad data is not retried: it goes back to the caller at once.

use std::sync::Arc;
use std::time::Duration;

use streamlog::Record;
use streamlog::time::{Clock, SystemClock};

use super::{SerdeError, SerdeResult};
use crate::error::{Error, Result, StoppedWaiting};
use crate::processor::TaskCtx;

/// The first pause between two attempts.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// The longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Kafka Streams' default `task.timeout.ms`.
pub(crate) const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_millis(300_000);

/// Whether the application is closing (the retry then stops waiting).
pub(crate) type ClosingFn = Arc<dyn Fn() -> bool + Send + Sync>;
/// How the retry pauses between attempts (tests move a manual clock instead).
pub(crate) type PauseFn = Arc<dyn Fn(Duration) + Send + Sync>;

/// How a task retries serde calls whose dependency is unavailable.
#[derive(Clone)]
pub(crate) struct UnavailableRetry {
    /// `task.timeout.ms`: how long one record may wait.
    pub(crate) timeout: Duration,
    /// Where the time spent waiting is read.
    pub(crate) clock: Arc<dyn Clock>,
    /// How the retry pauses.
    pub(crate) pause: PauseFn,
    /// Raised when the application closes.
    pub(crate) closing: Option<ClosingFn>,
}

impl Default for UnavailableRetry {
    fn default() -> Self {
        UnavailableRetry {
            timeout: DEFAULT_TASK_TIMEOUT,
            clock: Arc::new(SystemClock),
            pause: Arc::new(std::thread::sleep),
            closing: None,
        }
    }
}

/// How a retried call ended without an answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The serde refused the data: no retry helps.
    BadData(SerdeError),
    /// The dependency stayed unavailable.
    GaveUp {
        /// The last error.
        error: SerdeError,
        /// How long the call was retried.
        waited: Duration,
        /// Why the retry stopped.
        stopped: StoppedWaiting,
    },
}

impl UnavailableRetry {
    /// Calls `call` until it answers or fails with bad data, retrying while its
    /// dependency is unavailable, within the task timeout.
    pub(crate) fn call<T>(&self, mut call: impl FnMut() -> SerdeResult<T>) -> Result<T, Failure> {
        let error = match call() {
            Ok(answer) => return Ok(answer),
            Err(e) if !e.is_unavailable() => return Err(Failure::BadData(e)),
            Err(e) => e,
        };
        tracing::warn!(error = %error, timeout = ?self.timeout, "a serde's dependency is unavailable; retrying the record");
        let start = self.clock.now_millis();
        let waited = || Duration::from_millis(u64::try_from(self.clock.now_millis() - start).unwrap_or(0));
        let mut backoff = FIRST_BACKOFF;
        let mut last = error;
        loop {
            if self.closing.as_ref().is_some_and(|closing| closing()) {
                return Err(Failure::GaveUp {
                    error: last,
                    waited: waited(),
                    stopped: StoppedWaiting::Closing,
                });
            }
            let left = self.timeout.saturating_sub(waited());
            if left.is_zero() {
                return Err(Failure::GaveUp {
                    error: last,
                    waited: waited(),
                    stopped: StoppedWaiting::TaskTimeout(self.timeout),
                });
            }
            (self.pause)(backoff.min(left));
            backoff = (backoff * 2).min(MAX_BACKOFF);
            metrics::counter!("kstream_serde_retries_total").increment(1);
            match call() {
                Ok(answer) => {
                    tracing::info!(waited = ?waited(), "a serde's dependency is available again");
                    return Ok(answer);
                }
                Err(e) if !e.is_unavailable() => return Err(Failure::BadData(e)),
                Err(e) => last = e,
            }
        }
    }
}

impl Failure {
    /// The task's error for a failure while it handled the record `ctx.meta` names;
    /// `bad_data` makes the error for data the serde refused.
    fn into_error(
        self,
        ctx: &TaskCtx,
        step: impl FnOnce() -> String,
        bad_data: impl FnOnce(SerdeError) -> Error,
    ) -> Error {
        match self {
            Failure::BadData(source) => bad_data(source),
            Failure::GaveUp {
                error,
                waited,
                stopped,
            } => Error::SerdeUnavailable {
                topic: ctx.meta.topic.to_string(),
                partition: ctx.meta.partition,
                offset: ctx.meta.offset,
                step: step(),
                waited,
                stopped,
                source: error,
            },
        }
    }
}

/// Deserializes the `part` (`key` or `value`) of `record` with `call`, retrying while
/// the serde's dependency is unavailable. Bad data is [`Error::Deserialize`].
pub(crate) fn deserialize_part<T>(
    ctx: &TaskCtx,
    record: &Record,
    part: &'static str,
    call: impl FnMut() -> SerdeResult<T>,
) -> Result<T> {
    ctx.unavailable.call(call).map_err(|failure| {
        failure.into_error(
            ctx,
            || format!("deserializing its {part}"),
            |source| Error::Deserialize {
                topic: record.topic.to_string(),
                partition: record.partition,
                offset: record.offset,
                part,
                source,
            },
        )
    })
}

/// Readies a serde to write the `part` of records for `topic` ([`Serde::prepare`]),
/// retrying while its dependency is unavailable. Bad data is [`Error::Serialize`].
///
/// [`Serde::prepare`]: super::Serde::prepare
pub(crate) fn prepare_part(
    ctx: &TaskCtx,
    topic: &str,
    part: &'static str,
    call: impl FnMut() -> SerdeResult<()>,
) -> Result<()> {
    ctx.unavailable.call(call).map_err(|failure| {
        failure.into_error(
            ctx,
            || format!("serializing the {part} of a record for topic `{topic}`"),
            |source| Error::Serialize {
                topic: topic.to_owned(),
                source,
            },
        )
    })
}

/// The task's error for a serde that refused to write the `part` of a record for
/// `topic` after [`prepare_part`] succeeded: bad data is [`Error::Serialize`]; a
/// dependency unavailable at this point (the value was handed over, so the call
/// cannot be repeated) fails the task without waiting, the record not committed.
pub(crate) fn serialize_error(ctx: &TaskCtx, topic: &str, part: &'static str, error: SerdeError) -> Error {
    let failure = if error.is_unavailable() {
        Failure::GaveUp {
            error,
            waited: Duration::ZERO,
            stopped: StoppedWaiting::CannotRetry,
        }
    } else {
        Failure::BadData(error)
    };
    failure.into_error(
        ctx,
        || format!("serializing the {part} of a record for topic `{topic}`"),
        |source| Error::Serialize {
            topic: topic.to_owned(),
            source,
        },
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use parking_lot::Mutex;
    use streamlog::time::ManualClock;

    use super::*;

    /// A retry on a manual clock that each pause moves forward, recording the pauses.
    fn manual(timeout: Duration) -> (UnavailableRetry, Arc<Mutex<Vec<Duration>>>) {
        let clock = ManualClock::new(0);
        let pauses = Arc::new(Mutex::new(Vec::new()));
        let (moved, seen) = (clock.clone(), pauses.clone());
        let retry = UnavailableRetry {
            timeout,
            clock: Arc::new(clock),
            pause: Arc::new(move |d: Duration| {
                seen.lock().push(d);
                moved.advance(d.as_millis() as i64);
            }),
            closing: None,
        };
        (retry, pauses)
    }

    #[test]
    fn unavailable_is_retried_with_doubling_backoff_until_it_answers() {
        let (retry, pauses) = manual(Duration::from_secs(60));
        let calls = AtomicUsize::new(0);
        let answer = retry.call(|| {
            if calls.fetch_add(1, Ordering::SeqCst) < 9 {
                Err(SerdeError::unavailable("registry down"))
            } else {
                Ok(42)
            }
        });
        assert_eq!(answer.unwrap(), 42);
        let millis: Vec<u128> = pauses.lock().iter().map(Duration::as_millis).collect();
        assert_eq!(millis, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    }

    #[test]
    fn bad_data_is_not_retried() {
        let (retry, pauses) = manual(Duration::from_secs(60));
        let calls = AtomicUsize::new(0);
        let failure = retry
            .call(|| {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(SerdeError::bad_data("not UTF-8"))
            })
            .unwrap_err();
        assert!(matches!(failure, Failure::BadData(e) if e.message() == "not UTF-8"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(pauses.lock().is_empty());
    }

    #[test]
    fn the_retry_gives_up_at_the_task_timeout_with_the_last_error() {
        let (retry, pauses) = manual(Duration::from_millis(500));
        let calls = AtomicUsize::new(0);
        let failure = retry
            .call(|| {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(SerdeError::unavailable(format!("attempt {n}")))
            })
            .unwrap_err();
        let Failure::GaveUp {
            error,
            waited,
            stopped,
        } = failure
        else {
            panic!("expected to give up, got {failure:?}");
        };
        assert_eq!(waited, Duration::from_millis(500));
        assert_eq!(stopped, StoppedWaiting::TaskTimeout(Duration::from_millis(500)));
        // 10 + 20 + 40 + 80 + 160 = 310, then the 190 ms left.
        assert_eq!(pauses.lock().last(), Some(&Duration::from_millis(190)));
        assert_eq!(
            error.message(),
            format!("attempt {}", calls.load(Ordering::SeqCst) - 1)
        );
    }

    #[test]
    fn the_retry_stops_when_the_application_closes() {
        let (mut retry, _) = manual(Duration::from_secs(300));
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        retry.closing = Some(Arc::new(move || seen.load(Ordering::SeqCst) >= 3));
        let failure = retry
            .call(|| {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(SerdeError::unavailable("down"))
            })
            .unwrap_err();
        assert!(matches!(
            failure,
            Failure::GaveUp {
                stopped: StoppedWaiting::Closing,
                ..
            }
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
