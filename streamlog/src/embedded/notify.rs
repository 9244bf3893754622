//! Wakes pollers when something changes: a record appended, a group rebalanced.
//!
//! Appends pay for one plain load while nobody waits. A poller registers as a waiter
//! *before* its last look at the log, and a notifier checks for waiters *after* its
//! change: with sequentially consistent ordering either the poller's look sees the
//! change, or the notifier sees the waiter and wakes it.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::{Condvar, Mutex};

use crate::time::Deadline;

#[derive(Debug, Default)]
pub(super) struct Notifier {
    seq: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    changed: Condvar,
}

/// A registered waiter; dropping it unregisters.
pub(super) struct Waiter<'a> {
    notifier: &'a Notifier,
    seen: u64,
}

impl Notifier {
    /// Records a change and wakes every waiter, if there are any.
    pub(super) fn notify(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.seq.fetch_add(1, Ordering::SeqCst);
            let _guard = self.lock.lock();
            self.changed.notify_all();
        }
    }

    /// Registers a waiter; look at the log after this, then [`Waiter::wait`] if nothing
    /// was there.
    pub(super) fn register(&self) -> Waiter<'_> {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        Waiter {
            notifier: self,
            seen: self.seq.load(Ordering::SeqCst),
        }
    }
}

impl Waiter<'_> {
    /// Waits until something changed since registration, or `deadline` passes. The
    /// deadline is real time, not the cluster's clock: this blocks the thread on a
    /// condition variable.
    pub(super) fn wait(self, deadline: Deadline) {
        let n = self.notifier;
        let mut guard = n.lock.lock();
        while n.seq.load(Ordering::SeqCst) == self.seen {
            if n.changed.wait_until(&mut guard, deadline.instant()).timed_out() {
                break;
            }
        }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.notifier.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    #[test]
    fn a_change_after_registration_wakes_the_waiter() {
        let n = Arc::new(Notifier::default());
        let waiter = n.register();
        let other = n.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            other.notify();
        });
        let started = Instant::now();
        waiter.wait(Deadline::after(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5), "woken, not timed out");
        t.join().unwrap();
    }

    #[test]
    fn without_change_the_wait_ends_at_the_deadline() {
        let n = Notifier::default();
        n.notify(); // nobody waits: nothing to record
        let waiter = n.register();
        let started = Instant::now();
        waiter.wait(Deadline::after(Duration::from_millis(50)));
        assert!(started.elapsed() >= Duration::from_millis(50));
    }
}
