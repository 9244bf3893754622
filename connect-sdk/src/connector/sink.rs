//! Sink connectors and tasks: records from Kafka written to a system, with the offsets
//! to commit said by the task.

use std::collections::BTreeMap;

use super::Connector;
use crate::config::Properties;
use crate::error::Result;
use crate::record::SinkRecord;

/// A partition of a topic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
}

/// A sink connector (Kafka's `SinkConnector`).
pub trait SinkConnector: Connector {
    /// A new task of this connector, to be started with one of its task configs.
    fn create_task(&self) -> Box<dyn SinkTask>;
}

/// A sink task (Kafka's `SinkTask`): writes the records of its partitions.
pub trait SinkTask: Send {
    /// Starts with its config.
    fn start(&mut self, config: &Properties) -> Result<()>;

    /// The task now owns `partitions` (after a rebalance).
    fn open(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        let _ = partitions;
        Ok(())
    }

    /// Writes (or buffers) `records`. A retriable error
    /// ([`Error::retriable`](crate::Error::retriable)) makes the worker give the same
    /// records again.
    fn put(&mut self, records: &[SinkRecord]) -> Result<()>;

    /// Makes every record put so far durable, up to `offsets` (the next offset of each
    /// partition).
    fn flush(&mut self, offsets: &BTreeMap<TopicPartition, i64>) -> Result<()> {
        let _ = offsets;
        Ok(())
    }

    /// The offsets the worker may commit, given those of the records put so far: by
    /// default it flushes and commits them all; a task that writes asynchronously
    /// returns less.
    fn pre_commit(
        &mut self,
        offsets: &BTreeMap<TopicPartition, i64>,
    ) -> Result<BTreeMap<TopicPartition, i64>> {
        self.flush(offsets)?;
        Ok(offsets.clone())
    }

    /// The task no longer owns `partitions`; what it buffered for them is dropped.
    fn close(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        let _ = partitions;
        Ok(())
    }

    /// Stops; no more puts follow.
    fn stop(&mut self) -> Result<()>;
}
