//! What an application hears of its stores being restored from their changelogs
//! (Kafka Streams' `StateRestoreListener`).

use streamlog::TopicPartition;

/// Told when a store's changelog partition starts being replayed, after each batch,
/// and when it is done. Set with
/// [`KafkaStreams::set_global_state_restore_listener`](crate::KafkaStreams::set_global_state_restore_listener);
/// its methods run on the stream thread restoring the store, so they should return
/// quickly. Each has a default that does nothing.
///
/// Restoring is also counted in metrics, listener or not:
/// `kstream_restore_records_total{store}` (records replayed) and
/// `kstream_restore_remaining_records{store}` (records left in the restore under way).
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use kstream::StateRestoreListener;
/// use streamlog::TopicPartition;
///
/// #[derive(Default)]
/// struct Progress(AtomicU64);
///
/// impl StateRestoreListener for Progress {
///     fn on_batch_restored(&self, _: &TopicPartition, _: &str, _: i64, restored: u64) {
///         self.0.fetch_add(restored, Ordering::Relaxed);
///     }
/// }
///
/// let progress = Arc::new(Progress::default());
/// progress.on_batch_restored(&TopicPartition::new("app-counts-changelog", 0), "counts", 99, 100);
/// assert_eq!(progress.0.load(Ordering::Relaxed), 100);
/// ```
pub trait StateRestoreListener: Send + Sync {
    /// Store `store` is about to replay `changelog` from offset `start` up to (not
    /// including) offset `end`.
    fn on_restore_start(&self, changelog: &TopicPartition, store: &str, start: i64, end: i64) {
        let _ = (changelog, store, start, end);
    }

    /// A batch of `restored` records was written to `store`, the last at offset
    /// `batch_end`.
    fn on_batch_restored(&self, changelog: &TopicPartition, store: &str, batch_end: i64, restored: u64) {
        let _ = (changelog, store, batch_end, restored);
    }

    /// `store` has replayed `changelog` to its end: `total` records in all.
    fn on_restore_end(&self, changelog: &TopicPartition, store: &str, total: u64) {
        let _ = (changelog, store, total);
    }
}

/// A shared listener, so that the application keeps a handle on what it hears.
impl<T: StateRestoreListener + ?Sized> StateRestoreListener for std::sync::Arc<T> {
    fn on_restore_start(&self, changelog: &TopicPartition, store: &str, start: i64, end: i64) {
        (**self).on_restore_start(changelog, store, start, end);
    }
    fn on_batch_restored(&self, changelog: &TopicPartition, store: &str, batch_end: i64, restored: u64) {
        (**self).on_batch_restored(changelog, store, batch_end, restored);
    }
    fn on_restore_end(&self, changelog: &TopicPartition, store: &str, total: u64) {
        (**self).on_restore_end(changelog, store, total);
    }
}
