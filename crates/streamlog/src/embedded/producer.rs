//! Producer of the embedded backend: appends synchronously, so every outcome is known
//! when `send` returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::Shared;
use super::log::StoredRecord;
use super::topics::TopicLog;
use crate::client::{DeliveryHandle, GroupMetadata, GroupMetadataInner, Producer};
use crate::config::{ClientConfig, TimestampType};
use crate::error::{Error, Result};
use crate::partitioner::partition_for_key;
use crate::record::{ProducerRecord, RecordMetadata, Timestamp, TopicPartition};

struct Transactional {
    id: String,
    timeout_ms: i64,
    /// The epoch from `init_transactions`.
    epoch: Mutex<Option<u32>>,
}

pub(super) struct EmbeddedProducer {
    shared: Arc<Shared>,
    max_request_size: usize,
    transactional: Option<Transactional>,
    round_robin: AtomicU32,
}

impl EmbeddedProducer {
    pub(super) fn new(shared: Arc<Shared>, config: &ClientConfig) -> Result<Self> {
        match config.get("partitioner") {
            None | Some("murmur2_random" | "murmur2") => {}
            Some(other) => {
                return Err(Error::InvalidConfig {
                    key: "partitioner".into(),
                    value: other.into(),
                    reason: "the embedded backend partitions with Kafka's murmur2 (`murmur2_random`)".into(),
                });
            }
        }
        let transactional = config.get("transactional.id").map(|id| -> Result<_> {
            Ok(Transactional {
                id: id.to_owned(),
                timeout_ms: config.parsed("transaction.timeout.ms", 60_000, "a number of milliseconds")?,
                epoch: Mutex::new(None),
            })
        });
        Ok(Self {
            shared,
            max_request_size: config.parsed("message.max.bytes", 1_048_576, "a number of bytes")?,
            transactional: transactional.transpose()?,
            round_robin: AtomicU32::new(0),
        })
    }

    fn txn(&self) -> Result<(&Transactional, u32)> {
        let t = self.transactional.as_ref().ok_or_else(|| Error::Transaction {
            reason: "this producer has no `transactional.id`".into(),
        })?;
        let epoch = (*t.epoch.lock()).ok_or_else(|| Error::Transaction {
            reason: "call init_transactions first".into(),
        })?;
        Ok((t, epoch))
    }

    fn choose_partition(&self, topic: &TopicLog, record: &ProducerRecord) -> Result<i32> {
        let count = topic.partition_count();
        match (record.partition, &record.key) {
            (Some(p), _) => {
                topic.partition(p)?;
                Ok(p)
            }
            (None, Some(key)) => Ok(partition_for_key(key, count)),
            (None, None) => Ok((self.round_robin.fetch_add(1, Ordering::Relaxed) % count as u32) as i32),
        }
    }

    fn check(&self, topic: &TopicLog, record: &ProducerRecord) -> Result<()> {
        let size = record.size();
        let max = self.max_request_size.min(topic.settings.max_message_bytes);
        if size > max {
            return Err(Error::RecordTooLarge {
                topic: topic.name.to_string(),
                size,
                max,
            });
        }
        if topic.settings.cleanup_policy.compacts() && record.key.is_none() {
            return Err(Error::InvalidRecord {
                topic: topic.name.to_string(),
                reason: "a compacted topic does not accept records without key".into(),
            });
        }
        Ok(())
    }

    /// The transaction marker for a record to `partition`, registering the partition
    /// with the open transaction.
    fn txn_marker(
        &self,
        topic: &Arc<TopicLog>,
        partition: i32,
    ) -> Result<Option<Arc<super::log::TxnMarker>>> {
        let Some(t) = &self.transactional else {
            return Ok(None);
        };
        let (_, epoch) = self.txn()?;
        self.shared.txns.with_open(&t.id, epoch, |open| {
            if !open
                .partitions
                .iter()
                .any(|(tl, p)| Arc::ptr_eq(tl, topic) && *p == partition)
            {
                open.partitions.push((topic.clone(), partition));
            }
            Ok(Some(open.marker.clone()))
        })
    }

    fn append(&self, topic: &Arc<TopicLog>, record: ProducerRecord, now: i64) -> Result<RecordMetadata> {
        if topic.is_deleted() {
            return Err(Error::UnknownTopic {
                topic: topic.name.to_string(),
            });
        }
        self.check(topic, &record)?;
        let partition = self.choose_partition(topic, &record)?;
        let txn = self.txn_marker(topic, partition)?;
        let timestamp = match topic.settings.timestamp_type {
            TimestampType::CreateTime => Timestamp::CreateTime(record.timestamp.unwrap_or(now)),
            TimestampType::LogAppendTime => Timestamp::LogAppendTime(now),
        };
        let stored = StoredRecord {
            offset: -1,
            timestamp,
            appended_at: now,
            key: record.key,
            value: record.value,
            headers: record.headers,
            txn,
            control: false,
        };
        let offset = {
            let mut log = topic.partition(partition)?.lock();
            topic.append(&mut log, stored, now, self.shared.cleaner_min_dirty)
        };
        Ok(RecordMetadata {
            topic: topic.name.clone(),
            partition,
            offset,
            timestamp,
        })
    }
}

impl Producer for EmbeddedProducer {
    fn send(&self, record: ProducerRecord) -> Result<DeliveryHandle> {
        let topic = self.shared.topic(&record.topic)?;
        let now = self.shared.now();
        let metadata = self.append(&topic, record, now)?;
        self.shared.notifier.notify();
        metrics::counter!("streamlog_records_produced_total", "backend" => "embedded").increment(1);
        Ok(DeliveryHandle::ready(Ok(metadata)))
    }

    fn send_batch(&self, records: Vec<ProducerRecord>) -> Result<Vec<DeliveryHandle>> {
        let now = self.shared.now();
        let mut handles = Vec::with_capacity(records.len());
        let mut topic: Option<Arc<TopicLog>> = None;
        for record in records {
            let t = match &topic {
                Some(t) if *t.name == *record.topic => t.clone(),
                _ => {
                    let t = self.shared.topic(&record.topic)?;
                    topic = Some(t.clone());
                    t
                }
            };
            handles.push(DeliveryHandle::ready(Ok(self.append(&t, record, now)?)));
        }
        self.shared.notifier.notify();
        metrics::counter!("streamlog_records_produced_total", "backend" => "embedded")
            .increment(handles.len() as u64);
        Ok(handles)
    }

    fn flush(&self, _timeout: Duration) -> Result<()> {
        // Appends are synchronous: every outcome was returned by `send`.
        Ok(())
    }

    fn init_transactions(&self, _timeout: Duration) -> Result<()> {
        let t = self.transactional.as_ref().ok_or_else(|| Error::Transaction {
            reason: "this producer has no `transactional.id`".into(),
        })?;
        let (epoch, zombie) = self.shared.txns.init(&t.id, t.timeout_ms);
        if let Some(ending) = zombie {
            self.shared.finish_transaction(ending);
        }
        *t.epoch.lock() = Some(epoch);
        Ok(())
    }

    fn begin_transaction(&self) -> Result<()> {
        self.shared.expire_transactions();
        let (t, epoch) = self.txn()?;
        self.shared.txns.begin(&t.id, epoch, self.shared.now())
    }

    fn send_offsets_to_transaction(
        &self,
        offsets: &[(TopicPartition, i64)],
        group: &GroupMetadata,
        _timeout: Duration,
    ) -> Result<()> {
        if !matches!(group.inner, GroupMetadataInner::Embedded) {
            return Err(Error::BackendMismatch {
                what: "group metadata",
            });
        }
        let (t, epoch) = self.txn()?;
        self.shared.txns.with_open(&t.id, epoch, |open| {
            open.offsets.extend(
                offsets
                    .iter()
                    .map(|(tp, o)| (group.group_id.clone(), tp.clone(), *o)),
            );
            Ok(())
        })
    }

    fn commit_transaction(&self, _timeout: Duration) -> Result<()> {
        self.shared.expire_transactions();
        let (t, epoch) = self.txn()?;
        let ending = self.shared.txns.end(&t.id, epoch, true)?;
        self.shared.finish_transaction(ending);
        Ok(())
    }

    fn abort_transaction(&self, _timeout: Duration) -> Result<()> {
        self.shared.expire_transactions();
        let (t, epoch) = self.txn()?;
        let ending = self.shared.txns.end(&t.id, epoch, false)?;
        self.shared.finish_transaction(ending);
        Ok(())
    }
}
