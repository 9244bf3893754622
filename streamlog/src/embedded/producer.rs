//! Producer of the embedded backend: appends synchronously, so every outcome is known
//! when `send` returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};

use super::Shared;
use super::log::{PartitionLog, StoredRecord};
use super::topics::TopicLog;
use crate::client::{DeliveryHandle, GroupMetadata, GroupMetadataInner, Producer};
use crate::config::{ClientConfig, TimestampType};
use crate::error::{Error, Result};
use crate::partitioner::partition_for_key;
use crate::record::{OffsetAndMetadata, ProducerRecord, RecordMetadata, Timestamp, TopicPartition};

struct Transactional {
    id: String,
    timeout_ms: i64,
    /// The epoch from `init_transactions`.
    epoch: Mutex<Option<u32>>,
}

pub(super) struct EmbeddedProducer {
    shared: Arc<Shared>,
    /// The topic of the previous send: a hot loop writing one topic skips the lookup.
    last_topic: Mutex<Option<Arc<TopicLog>>>,
    max_request_size: usize,
    transactional: Option<Transactional>,
    round_robin: AtomicU32,
    produced: metrics::Counter,
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
            last_topic: Mutex::new(None),
            max_request_size: config.parsed("message.max.bytes", 1_048_576, "a number of bytes")?,
            transactional: transactional.transpose()?,
            round_robin: AtomicU32::new(0),
            produced: metrics::counter!("streamlog_records_produced_total", "backend" => "embedded"),
        })
    }

    /// The topic named `name`, looked up once and cached while a loop keeps writing to
    /// it (and it is not deleted). The guard holds the cache: keep it for one append run.
    fn cached_topic(&self, name: &str) -> Result<MappedMutexGuard<'_, Arc<TopicLog>>> {
        let mut last = self.last_topic.lock();
        let cached = last.as_ref().is_some_and(|t| *t.name == *name && !t.is_deleted());
        if !cached {
            *last = Some(self.shared.topic(name)?);
        }
        MutexGuard::try_map(last, Option::as_mut).map_err(|_| Error::UnknownTopic { topic: name.into() })
    }

    fn transactional(&self) -> Result<&Transactional> {
        self.transactional.as_ref().ok_or_else(|| Error::Transaction {
            reason: "this producer has no `transactional.id`".into(),
            source: None,
        })
    }

    fn txn(&self) -> Result<(&Transactional, u32)> {
        let t = self.transactional()?;
        let epoch = (*t.epoch.lock()).ok_or_else(|| Error::Transaction {
            reason: "call init_transactions first".into(),
            source: None,
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
                source: None,
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

    /// Checks a record and turns it into what the log stores, with its partition and
    /// the timestamp the caller learns.
    fn prepare(&self, topic: &Arc<TopicLog>, record: ProducerRecord, now: i64) -> Result<Prepared> {
        if topic.is_deleted() {
            return Err(Error::UnknownTopic {
                topic: topic.name.to_string(),
            });
        }
        self.check(topic, &record)?;
        let partition = self.choose_partition(topic, &record)?;
        let txn = self.txn_marker(topic, partition)?;
        let (timestamp, millis) = match topic.settings.timestamp_type {
            TimestampType::CreateTime => {
                let t = record.timestamp.unwrap_or(now);
                (Timestamp::CreateTime(t), t)
            }
            TimestampType::LogAppendTime => (Timestamp::LogAppendTime(now), now),
        };
        Ok(Prepared {
            partition,
            timestamp,
            stored: StoredRecord {
                offset: -1,
                timestamp: millis,
                appended_at: now,
                key: record.key,
                value: record.value,
                headers: record.headers,
                txn,
                control: false,
            },
        })
    }

    /// Appends a run of records for one topic, keeping a partition's lock while
    /// consecutive records go to it.
    fn append_run(
        &self,
        topic: &Arc<TopicLog>,
        records: impl Iterator<Item = ProducerRecord>,
        now: i64,
        mut delivered: impl FnMut(RecordMetadata),
    ) -> Result<()> {
        let mut held: Option<(i32, MutexGuard<'_, PartitionLog>)> = None;
        for record in records {
            let Prepared {
                partition,
                timestamp,
                stored,
            } = self.prepare(topic, record, now)?;
            let log = match &mut held {
                Some((p, log)) if *p == partition => log,
                _ => {
                    held = None;
                    &mut held.insert((partition, topic.partition(partition)?.lock())).1
                }
            };
            let offset = topic.append(log, stored, now, self.shared.cleaner_min_dirty);
            delivered(RecordMetadata {
                topic: topic.name.clone(),
                partition,
                offset,
                timestamp,
            });
        }
        Ok(())
    }
}

impl std::fmt::Debug for EmbeddedProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedProducer")
            .field("transactional_id", &self.transactional.as_ref().map(|t| &t.id))
            .field("max_request_size", &self.max_request_size)
            .finish_non_exhaustive()
    }
}

struct Prepared {
    partition: i32,
    timestamp: Timestamp,
    stored: StoredRecord,
}

impl crate::sealed::Sealed for EmbeddedProducer {}

impl Producer for EmbeddedProducer {
    fn send(&self, record: ProducerRecord) -> Result<DeliveryHandle> {
        let mut metadata = None;
        let now = self.shared.now();
        let topic = self.cached_topic(&record.topic)?;
        self.append_run(&topic, std::iter::once(record), now, |m| metadata = Some(m))?;
        drop(topic);
        self.shared.notifier.notify();
        self.produced.increment(1);
        let metadata = metadata.ok_or_else(|| Error::IllegalState {
            reason: "the append reported no delivery".into(),
        })?;
        Ok(DeliveryHandle::ready(Ok(metadata)))
    }

    /// Appends in order; records before a failing one stay appended.
    fn send_batch(&self, records: Vec<ProducerRecord>) -> Result<Vec<DeliveryHandle>> {
        let now = self.shared.now();
        let mut handles = Vec::with_capacity(records.len());
        let mut records = records.into_iter().peekable();
        let outcome = (|| {
            while let Some(first) = records.peek() {
                let topic = self.cached_topic(&first.topic)?;
                let run = std::iter::from_fn(|| records.next_if(|r| *r.topic == *topic.name));
                self.append_run(&topic, run, now, |m| handles.push(DeliveryHandle::ready(Ok(m))))?;
            }
            Ok(())
        })();
        self.shared.notifier.notify();
        self.produced.increment(handles.len() as u64);
        outcome.map(|()| handles)
    }

    fn flush(&self, _timeout: Duration) -> Result<()> {
        // Appends are synchronous: every outcome was returned by `send`.
        Ok(())
    }

    fn init_transactions(&self, _timeout: Duration) -> Result<()> {
        let t = self.transactional()?;
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

    fn send_offsets_and_metadata_to_transaction(
        &self,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
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
                    .map(|(tp, o)| (group.group_id.clone(), tp.clone(), o.clone())),
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
