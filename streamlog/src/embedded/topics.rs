//! The embedded cluster's topics.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::{Mutex, RwLock};

use super::log::{PartitionLog, StoredRecord};
use crate::config::{TopicConfig, TopicSettings};
use crate::error::{Error, Result};

/// One topic: its settings and partitions.
#[derive(Debug)]
pub(super) struct TopicLog {
    pub(super) name: Arc<str>,
    pub(super) settings: TopicSettings,
    pub(super) partitions: Vec<Mutex<PartitionLog>>,
    /// Set when the topic is deleted, so clients holding it notice.
    deleted: AtomicBool,
    /// Distinguishes a re-created topic from the deleted one of the same name.
    pub(super) incarnation: u64,
}

impl TopicLog {
    pub(super) fn partition_count(&self) -> i32 {
        self.partitions.len() as i32
    }

    pub(super) fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Acquire)
    }

    pub(super) fn partition(&self, partition: i32) -> Result<&Mutex<PartitionLog>> {
        usize::try_from(partition)
            .ok()
            .and_then(|p| self.partitions.get(p))
            .ok_or_else(|| Error::UnknownPartition {
                topic: self.name.to_string(),
                partition,
                partitions: self.partition_count(),
            })
    }

    /// Appends under the partition's lock, then applies retention and compaction.
    pub(super) fn append(
        &self,
        log: &mut PartitionLog,
        record: StoredRecord,
        now: i64,
        cleaner_min_dirty: usize,
    ) -> i64 {
        let offset = log.append(record);
        if self.settings.cleanup_policy.deletes() {
            log.apply_retention(&self.settings, now);
        }
        if self.settings.cleanup_policy.compacts() && log.wants_compaction(&self.settings, cleaner_min_dirty)
        {
            log.compact(&self.settings, now);
        }
        offset
    }
}

/// All topics by name.
#[derive(Debug, Default)]
pub(super) struct Topics {
    by_name: RwLock<HashMap<String, Arc<TopicLog>>>,
    incarnations: Mutex<u64>,
}

impl Topics {
    pub(super) fn create(&self, name: &str, config: &TopicConfig) -> Result<Arc<TopicLog>> {
        validate_name(name)?;
        let settings = config.settings()?;
        let mut topics = self.by_name.write();
        if topics.contains_key(name) {
            return Err(Error::TopicAlreadyExists { topic: name.into() });
        }
        let incarnation = {
            let mut n = self.incarnations.lock();
            *n += 1;
            *n
        };
        let topic = Arc::new(TopicLog {
            name: Arc::from(name),
            settings,
            partitions: (0..config.partitions)
                .map(|_| Mutex::new(PartitionLog::default()))
                .collect(),
            deleted: AtomicBool::new(false),
            incarnation,
        });
        topics.insert(name.to_owned(), topic.clone());
        Ok(topic)
    }

    pub(super) fn delete(&self, name: &str) -> Result<()> {
        let topic = self
            .by_name
            .write()
            .remove(name)
            .ok_or_else(|| Error::UnknownTopic { topic: name.into() })?;
        topic.deleted.store(true, Ordering::Release);
        Ok(())
    }

    pub(super) fn get(&self, name: &str) -> Option<Arc<TopicLog>> {
        self.by_name.read().get(name).cloned()
    }

    pub(super) fn names(&self) -> Vec<String> {
        let mut names: Vec<_> = self.by_name.read().keys().cloned().collect();
        names.sort();
        names
    }
}

/// Kafka's rule: 1 to 249 characters of ASCII letters, digits, `.`, `_` and `-`, and not
/// `.` or `..`.
fn validate_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidConfig {
            key: "topic".into(),
            value: name.into(),
            reason: "a topic name is 1 to 249 of [a-zA-Z0-9._-], and not `.` or `..`".into(),
        })
    }
}
