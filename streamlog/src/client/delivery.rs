//! Delivery results of produced records.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::error::{Error, Result};
use crate::record::RecordMetadata;

/// The outcome of one `send`: where the record was written, or why it was not.
///
/// The embedded backend knows the outcome at once; the Kafka backend learns it when the
/// broker acknowledges. Failures are also reported by the next
/// [`Producer::flush`](crate::Producer::flush), so dropping a handle loses nothing.
#[derive(Debug)]
pub struct DeliveryHandle(State);

#[derive(Debug)]
enum State {
    Ready(Option<Result<RecordMetadata>>),
    #[cfg_attr(not(feature = "kafka"), allow(dead_code))]
    Pending(Arc<DeliverySlot>),
}

impl DeliveryHandle {
    /// A handle whose outcome is known.
    pub(crate) fn ready(result: Result<RecordMetadata>) -> Self {
        Self(State::Ready(Some(result)))
    }

    /// A handle that a backend fills in later.
    #[cfg(feature = "kafka")]
    pub(crate) fn pending(slot: Arc<DeliverySlot>) -> Self {
        Self(State::Pending(slot))
    }

    /// The outcome, if it is known by now.
    pub fn try_result(&mut self) -> Option<Result<RecordMetadata>> {
        match &mut self.0 {
            State::Ready(r) => r.take(),
            State::Pending(slot) => slot.result.lock().take(),
        }
    }

    /// Waits up to `timeout` for the outcome.
    pub fn wait(mut self, timeout: Duration) -> Result<RecordMetadata> {
        match &mut self.0 {
            State::Ready(r) => r.take().unwrap_or(Err(Error::Closed {
                what: "delivery handle (outcome already taken)",
            })),
            State::Pending(slot) => {
                let mut result = slot.result.lock();
                if result.is_none() {
                    slot.ready.wait_while_for(&mut result, |r| r.is_none(), timeout);
                }
                result.take().unwrap_or(Err(Error::Timeout {
                    operation: "delivery report".into(),
                    timeout,
                }))
            }
        }
    }
}

/// Where a backend puts a delivery outcome it learns later.
#[derive(Debug, Default)]
pub(crate) struct DeliverySlot {
    result: Mutex<Option<Result<RecordMetadata>>>,
    ready: Condvar,
}

#[cfg_attr(not(feature = "kafka"), allow(dead_code))]
impl DeliverySlot {
    pub(crate) fn fill(&self, result: Result<RecordMetadata>) {
        *self.result.lock() = Some(result);
        self.ready.notify_all();
    }
}
