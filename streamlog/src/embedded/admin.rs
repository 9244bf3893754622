//! Admin client of the embedded backend.

use std::sync::Arc;

use super::Shared;
use crate::client::{Admin, Watermarks};
use crate::config::TopicConfig;
use crate::error::Result;
use crate::record::TopicPartition;

pub(super) struct EmbeddedAdmin {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EmbeddedAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedAdmin").finish_non_exhaustive()
    }
}

impl EmbeddedAdmin {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

impl crate::sealed::Sealed for EmbeddedAdmin {}

impl Admin for EmbeddedAdmin {
    fn create_topic(&self, name: &str, config: &TopicConfig) -> Result<()> {
        self.shared.topics.create(name, config)?;
        self.shared.notifier.notify();
        Ok(())
    }

    fn delete_topic(&self, name: &str) -> Result<()> {
        self.shared.topics.delete(name)?;
        self.shared.groups.forget_topic(name);
        self.shared.notifier.notify();
        Ok(())
    }

    fn list_topics(&self) -> Result<Vec<String>> {
        Ok(self.shared.topics.names())
    }

    fn partition_count(&self, topic: &str) -> Result<i32> {
        Ok(self.shared.topic(topic)?.partition_count())
    }

    fn watermarks(&self, tp: &TopicPartition) -> Result<Watermarks> {
        let topic = self.shared.topic(&tp.topic)?;
        let log = topic.partition(tp.partition)?.lock();
        Ok(Watermarks {
            low: log.log_start(),
            high: log.end_offset(),
        })
    }

    fn last_stable_offset(&self, tp: &TopicPartition) -> Result<i64> {
        let topic = self.shared.topic(&tp.topic)?;
        let mut log = topic.partition(tp.partition)?.lock();
        Ok(log.last_stable_offset())
    }

    fn group_offsets(&self, group: &str, partitions: &[TopicPartition]) -> Result<Vec<Option<i64>>> {
        Ok(partitions
            .iter()
            .map(|tp| self.shared.groups.committed(group, tp))
            .collect())
    }
}
