//! Consuming records, alone or in a consumer group.

use std::time::Duration;

use crate::error::Result;
use crate::lent::RecordRef;
use crate::record::{Offset, OffsetAndMetadata, Record, TopicPartition};
use crate::sealed::Sealed;

/// Commits offsets and tells positions: what a [`RebalanceListener`] may do with the
/// consumer while partitions move.
pub trait OffsetCommitter {
    /// The offset of the next record this consumer will return for `partition`, once it
    /// has a position there.
    fn position(&self, partition: &TopicPartition) -> Option<i64>;

    /// Commits the given offsets for the consumer's group, synchronously. The offset is
    /// the next one to read (the last processed record's offset + 1), as in Kafka.
    fn commit_offsets(&mut self, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = offsets
            .iter()
            .map(|(tp, o)| (tp.clone(), OffsetAndMetadata::new(*o)))
            .collect();
        self.commit_offsets_and_metadata(&offsets)
    }

    /// [`commit_offsets`](Self::commit_offsets) with a note kept beside each offset
    /// ([`Consumer::committed_metadata`] reads it back).
    fn commit_offsets_and_metadata(&mut self, offsets: &[(TopicPartition, OffsetAndMetadata)]) -> Result<()>;

    /// Commits the current position of each of `partitions` (those without one are
    /// skipped).
    fn commit_positions(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        let offsets: Vec<_> = partitions
            .iter()
            .filter_map(|tp| self.position(tp).map(|p| (tp.clone(), p)))
            .collect();
        if offsets.is_empty() {
            return Ok(());
        }
        self.commit_offsets(&offsets)
    }

    /// This member's identity in its group, for
    /// [`Producer::send_offsets_to_transaction`](crate::Producer::send_offsets_to_transaction):
    /// what a listener needs to commit a transaction before partitions go. `None` where
    /// the consumer has no group.
    fn transaction_group(&self) -> Option<GroupMetadata> {
        None
    }
}

/// Hooks that run inside `poll` when the group moves partitions.
///
/// Commit in [`on_partitions_revoked`](RebalanceListener::on_partitions_revoked) and the
/// next owner of the partition starts exactly where this consumer stopped.
pub trait RebalanceListener: Send {
    /// Partitions this consumer now owns; it will read them from the committed offsets.
    fn on_partitions_assigned(&mut self, consumer: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        let _ = (consumer, partitions);
    }

    /// Partitions this consumer is about to lose; positions are still available.
    fn on_partitions_revoked(&mut self, consumer: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        let _ = (consumer, partitions);
    }
}

/// A listener that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopListener;

impl RebalanceListener for NoopListener {}

/// The identity of a group member, for
/// [`Producer::send_offsets_to_transaction`](crate::Producer::send_offsets_to_transaction).
#[derive(Debug, Clone)]
pub struct GroupMetadata {
    pub(crate) group_id: String,
    pub(crate) inner: GroupMetadataInner,
}

#[derive(Debug, Clone)]
pub(crate) enum GroupMetadataInner {
    Embedded,
    #[cfg(feature = "kafka")]
    Kafka(crate::kafka::KafkaGroupMetadata),
}

impl GroupMetadata {
    /// The group's id.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
}

/// Reads records from topics.
///
/// Either [`subscribe`](Consumer::subscribe) to topics as a member of `group.id` (the
/// group splits partitions between its members and moves them as members come and go),
/// or [`assign`](Consumer::assign) partitions by hand.
///
/// Sealed: the embedded and Kafka backends implement it (see the [crate] docs).
pub trait Consumer: Sealed + OffsetCommitter + Send + std::fmt::Debug {
    /// Joins the group and subscribes to `topics`.
    fn subscribe(&mut self, topics: &[&str]) -> Result<()> {
        self.subscribe_with_listener(topics, Box::new(NoopListener))
    }

    /// Joins the group and subscribes to `topics`; `listener` runs inside `poll` when
    /// partitions are assigned or revoked.
    fn subscribe_with_listener(
        &mut self,
        topics: &[&str],
        listener: Box<dyn RebalanceListener>,
    ) -> Result<()>;

    /// Leaves the group (revoking partitions first).
    fn unsubscribe(&mut self) -> Result<()>;

    /// Takes these partitions by hand, outside group management. Each starts at the
    /// group's committed offset if there is one, else by `auto.offset.reset`.
    fn assign(&mut self, partitions: &[TopicPartition]) -> Result<()>;

    /// The partitions this consumer holds now.
    fn assignment(&self) -> Vec<TopicPartition>;

    /// Returns the next batch of records (at most `max.poll.records`), waiting up to
    /// `timeout` for one. Rebalance callbacks run here.
    fn poll(&mut self, timeout: Duration) -> Result<Vec<Record>>;

    /// Polls as [`Consumer::poll`] does, but lends each record to `each` instead of
    /// returning owned copies: on the Kafka backend its key, value and headers point
    /// into librdkafka's fetch buffer, so nothing is copied or allocated per record.
    /// Returns how many records were lent; positions move as with `poll`.
    fn poll_each(&mut self, timeout: Duration, each: &mut dyn FnMut(RecordRef<'_>)) -> Result<usize> {
        let records = self.poll(timeout)?;
        for record in &records {
            each(record.as_lent());
        }
        Ok(records.len())
    }

    /// Moves the position of an assigned partition.
    fn seek(&mut self, partition: &TopicPartition, offset: Offset) -> Result<()>;

    /// Stops returning records from these partitions until resumed.
    fn pause(&mut self, partitions: &[TopicPartition]) -> Result<()>;

    /// Returns records from these partitions again.
    fn resume(&mut self, partitions: &[TopicPartition]) -> Result<()>;

    /// Commits the positions of all assigned partitions, synchronously.
    fn commit(&mut self) -> Result<()> {
        let partitions = self.assignment();
        self.commit_positions(&partitions)
    }

    /// The offsets the group has committed for `partitions`.
    fn committed(&self, partitions: &[TopicPartition]) -> Result<Vec<Option<i64>>> {
        Ok(self
            .committed_metadata(partitions)?
            .into_iter()
            .map(|c| c.map(|c| c.offset))
            .collect())
    }

    /// The offsets the group has committed for `partitions`, with their notes.
    fn committed_metadata(&self, partitions: &[TopicPartition]) -> Result<Vec<Option<OffsetAndMetadata>>>;

    /// This member's identity in its group, for transactional offset commits.
    fn group_metadata(&self) -> Option<GroupMetadata>;

    /// Leaves the group and releases the consumer. Later calls fail with
    /// [`crate::Error::Closed`].
    fn close(&mut self) -> Result<()>;
}
