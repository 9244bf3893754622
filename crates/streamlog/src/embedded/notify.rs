//! Wakes pollers when something changes: a record appended, a group rebalanced.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

/// A change counter that blocked pollers can wait on. Appends only pay for an atomic
/// increment while nobody waits.
#[derive(Debug, Default)]
pub(super) struct Notifier {
    seq: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    changed: Condvar,
}

impl Notifier {
    /// The current change count; pass it to [`Notifier::wait_past`].
    pub(super) fn seq(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// Records a change and wakes every waiter.
    pub(super) fn notify(&self) {
        self.seq.fetch_add(1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _guard = self.lock.lock();
            self.changed.notify_all();
        }
    }

    /// Waits until something changed after `seen`, or `deadline` passes.
    pub(super) fn wait_past(&self, seen: u64, deadline: Instant) {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.lock.lock();
        while self.seq.load(Ordering::SeqCst) == seen {
            if self.changed.wait_until(&mut guard, deadline).timed_out() {
                break;
            }
        }
        drop(guard);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}
