//! Producing records, with or without transactions.

use std::time::Duration;

use super::{DeliveryHandle, GroupMetadata};
use crate::error::Result;
use crate::record::{OffsetAndMetadata, ProducerRecord, TopicPartition};
use crate::sealed::Sealed;

/// Sends records to topics.
///
/// Keyed records without an explicit partition go where Kafka's default partitioner puts
/// them (murmur2 of the key); records without key are spread round-robin.
///
/// A producer configured with `transactional.id` writes inside transactions:
/// [`init_transactions`](Producer::init_transactions) once, then
/// `begin` / `send` ... / [`send_offsets_to_transaction`](Producer::send_offsets_to_transaction)
/// / `commit` or `abort`. A newer producer with the same id fences this one.
///
/// Sealed: the embedded and Kafka backends implement it (see the [crate] docs).
pub trait Producer: Sealed + Send + Sync + std::fmt::Debug {
    /// Sends one record. Errors known at once (unknown topic, record too large, fenced)
    /// are returned here; later ones through the handle and the next `flush`.
    fn send(&self, record: ProducerRecord) -> Result<DeliveryHandle>;

    /// Sends one record without a per-record outcome: the fast path for loops that
    /// [`flush`](Producer::flush) before they commit. Errors known at once are returned
    /// here; later delivery failures by the next `flush`.
    fn enqueue(&self, record: ProducerRecord) -> Result<()> {
        self.send(record).map(drop)
    }

    /// Sends several records, amortising per-partition work where the backend can.
    fn send_batch(&self, records: Vec<ProducerRecord>) -> Result<Vec<DeliveryHandle>> {
        records.into_iter().map(|r| self.send(r)).collect()
    }

    /// Waits until every record sent so far is delivered or failed. Returns the first
    /// delivery failure since the previous flush, so no failure goes unnoticed.
    fn flush(&self, timeout: Duration) -> Result<()>;

    /// Registers the `transactional.id`, fencing older producers with the same id and
    /// aborting their open transaction.
    fn init_transactions(&self, timeout: Duration) -> Result<()>;

    /// Starts a transaction.
    fn begin_transaction(&self) -> Result<()>;

    /// Adds consumed offsets of a consumer group to the transaction: they are committed
    /// if and only if the transaction commits.
    fn send_offsets_to_transaction(
        &self,
        offsets: &[(TopicPartition, i64)],
        group: &GroupMetadata,
        timeout: Duration,
    ) -> Result<()> {
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = offsets
            .iter()
            .map(|(tp, o)| (tp.clone(), OffsetAndMetadata::new(*o)))
            .collect();
        self.send_offsets_and_metadata_to_transaction(&offsets, group, timeout)
    }

    /// [`send_offsets_to_transaction`](Self::send_offsets_to_transaction) with a note
    /// kept beside each offset.
    fn send_offsets_and_metadata_to_transaction(
        &self,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
        group: &GroupMetadata,
        timeout: Duration,
    ) -> Result<()>;

    /// Commits the transaction: its records become visible to `read_committed` consumers.
    fn commit_transaction(&self, timeout: Duration) -> Result<()>;

    /// Aborts the transaction: its records stay invisible to `read_committed` consumers.
    fn abort_transaction(&self, timeout: Duration) -> Result<()>;
}
