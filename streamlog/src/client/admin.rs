//! Topic and group administration.

use crate::config::TopicConfig;
use crate::error::Result;
use crate::record::TopicPartition;
use crate::sealed::Sealed;

/// The low and high watermarks of a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermarks {
    /// The first offset still in the log (the log start offset).
    pub low: i64,
    /// The offset the next record will get (the high watermark, or end offset).
    pub high: i64,
}

/// How far a consumer group is behind on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    /// The partition.
    pub partition: TopicPartition,
    /// The group's committed offset, if it committed one.
    pub committed: Option<i64>,
    /// The partition's end offset.
    pub end: i64,
    /// Records between the committed offset (or the log start) and the end.
    pub lag: i64,
}

/// Topic and group administration.
///
/// Sealed: the embedded and Kafka backends implement it (see the [crate] docs).
pub trait Admin: Sealed + Send + Sync + std::fmt::Debug {
    /// Creates a topic. Fails with [`crate::Error::TopicAlreadyExists`] if it exists.
    fn create_topic(&self, name: &str, config: &TopicConfig) -> Result<()>;

    /// Deletes a topic and its records. Fails with [`crate::Error::UnknownTopic`].
    fn delete_topic(&self, name: &str) -> Result<()>;

    /// The names of all topics, sorted.
    fn list_topics(&self) -> Result<Vec<String>>;

    /// How many partitions `topic` has.
    fn partition_count(&self, topic: &str) -> Result<i32>;

    /// The low and high watermarks of a partition.
    fn watermarks(&self, partition: &TopicPartition) -> Result<Watermarks>;

    /// The end of a partition as a `read_committed` consumer sees it: the first offset
    /// of the oldest transaction still open on it, or the high watermark when none is.
    /// The embedded backend knows it; the Kafka backend answers with the high
    /// watermark, and a reader waits there for the open transactions to end.
    fn last_stable_offset(&self, partition: &TopicPartition) -> Result<i64> {
        self.watermarks(partition).map(|w| w.high)
    }

    /// The offsets `group` committed for `partitions` (`None` where it has none).
    fn group_offsets(&self, group: &str, partitions: &[TopicPartition]) -> Result<Vec<Option<i64>>>;

    /// The first offset still in each partition of `topic`.
    fn beginning_offsets(&self, topic: &str) -> Result<Vec<i64>> {
        self.all_watermarks(topic)
            .map(|w| w.iter().map(|w| w.low).collect())
    }

    /// The end offset of each partition of `topic`.
    fn end_offsets(&self, topic: &str) -> Result<Vec<i64>> {
        self.all_watermarks(topic)
            .map(|w| w.iter().map(|w| w.high).collect())
    }

    /// The watermarks of every partition of `topic`, in partition order.
    fn all_watermarks(&self, topic: &str) -> Result<Vec<Watermarks>> {
        (0..self.partition_count(topic)?)
            .map(|p| self.watermarks(&TopicPartition::new(topic, p)))
            .collect()
    }

    /// The lag of `group` on every partition of `topic`.
    fn lag(&self, group: &str, topic: &str) -> Result<Vec<PartitionLag>> {
        let marks = self.all_watermarks(topic)?;
        let partitions: Vec<_> = (0..marks.len() as i32)
            .map(|p| TopicPartition::new(topic, p))
            .collect();
        let committed = self.group_offsets(group, &partitions)?;
        Ok(partitions
            .into_iter()
            .zip(marks)
            .zip(committed)
            .map(|((partition, marks), committed)| PartitionLag {
                lag: marks.high - committed.unwrap_or(marks.low).max(marks.low),
                partition,
                committed,
                end: marks.high,
            })
            .collect())
    }
}
