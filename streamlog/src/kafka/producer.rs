//! Producer of the Kafka backend: librdkafka's threaded producer, delivery reports into
//! [`DeliveryHandle`]s, and the first failure kept for the next `flush`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header as RdHeader, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer as _, ProducerContext, ThreadedProducer};

use super::security::SecurityWatch;
use super::{map_error, rd_config, wrap};
use crate::client::{DeliveryHandle, DeliverySlot, GroupMetadata, GroupMetadataInner, Producer};
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::record::{OffsetAndMetadata, ProducerRecord, RecordMetadata, TopicPartition};
use crate::time::Deadline;

/// Receives delivery reports on librdkafka's polling thread.
///
/// A record's opaque is an id: 0 for [`Producer::enqueue`] (nothing to fill in, nothing
/// allocated), else the key of the slot its [`DeliveryHandle`] waits on.
struct DeliveryReports {
    /// The first failure since the last flush.
    first_failure: Mutex<Option<Error>>,
    /// Slots of records sent with a handle, by id.
    pending: Mutex<HashMap<usize, Arc<DeliverySlot>>>,
    next_id: AtomicUsize,
    /// The topic name of the previous report, shared by the reports that follow.
    last_topic: Mutex<Option<Arc<str>>>,
    watch: SecurityWatch,
}

impl DeliveryReports {
    fn topic(&self, name: &str) -> Arc<str> {
        let mut last = self.last_topic.lock();
        match last.as_ref() {
            Some(t) if **t == *name => t.clone(),
            _ => last.insert(Arc::from(name)).clone(),
        }
    }

    fn track(&self) -> (usize, Arc<DeliverySlot>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(DeliverySlot::default());
        self.pending.lock().insert(id, slot.clone());
        (id, slot)
    }
}

impl ClientContext for DeliveryReports {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, facility: &str, message: &str) {
        super::security::log_to_tracing(level, facility, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.watch.observe(&error, reason);
    }
}

impl ProducerContext for DeliveryReports {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, id: usize) {
        let slot = if id == 0 {
            None
        } else {
            self.pending.lock().remove(&id)
        };
        match result {
            Ok(m) => {
                if let Some(slot) = slot {
                    slot.fill(Ok(RecordMetadata {
                        topic: self.topic(m.topic()),
                        partition: m.partition(),
                        offset: m.offset(),
                        timestamp: super::consumer::timestamp(m.timestamp()),
                    }));
                }
            }
            Err((e, m)) => {
                let topic = m.topic().to_owned();
                tracing::error!(topic, error = %e, "record not delivered");
                metrics::counter!("streamlog_delivery_failures_total", "backend" => "kafka").increment(1);
                let mut first = self.first_failure.lock();
                if first.is_none() {
                    *first = Some(delivery_error(&topic, e));
                }
                drop(first);
                if let Some(slot) = slot {
                    slot.fill(Err(delivery_error(&topic, e)));
                }
            }
        }
    }
}

/// The error a failed delivery reports: a record the broker refused as invalid (such as
/// one without a key on a compacted topic) is [`Error::InvalidRecord`]; anything else
/// is [`Error::Delivery`].
fn delivery_error(topic: &str, e: &KafkaError) -> Error {
    match e {
        KafkaError::MessageProduction(RDKafkaErrorCode::InvalidRecord) => Error::InvalidRecord {
            topic: topic.to_owned(),
            reason: e.to_string(),
            source: Some(wrap(e.clone())),
        },
        _ => Error::Delivery {
            topic: topic.to_owned(),
            source: wrap(e.clone()),
        },
    }
}

pub(super) struct KafkaProducer {
    inner: ThreadedProducer<DeliveryReports>,
    max_request_size: usize,
    max_block: Duration,
    transactional_id: Option<String>,
}

impl KafkaProducer {
    pub(super) fn new(config: &ClientConfig) -> Result<Self> {
        let mut rd = rd_config(config);
        if config.get("partitioner").is_none() {
            rd.set("partitioner", "murmur2_random");
        }
        let inner = rd
            .create_with_context(DeliveryReports {
                first_failure: Mutex::new(None),
                pending: Mutex::new(HashMap::new()),
                next_id: AtomicUsize::new(1),
                last_topic: Mutex::new(None),
                watch: SecurityWatch::default(),
            })
            .map_err(|e| map_error("creating the producer", None, e))?;
        Ok(Self {
            inner,
            max_request_size: config.parsed("message.max.bytes", 1_000_000, "a number of bytes")?,
            max_block: config.millis("max.block.ms", 60_000)?,
            transactional_id: config.get("transactional.id").map(str::to_owned),
        })
    }

    fn txn_error(&self, operation: &'static str, e: KafkaError) -> Error {
        self.security_failure()
            .unwrap_or_else(|| map_error(operation, self.transactional_id.as_deref(), e))
    }

    /// The authentication or TLS failure that keeps this producer from its brokers.
    fn security_failure(&self) -> Option<Error> {
        self.inner.context().watch.failure()
    }

    /// Hands a record to librdkafka with delivery opaque `id`, waiting up to
    /// `max.block.ms` for room in a full queue.
    fn produce(&self, record: ProducerRecord, id: usize) -> Result<()> {
        let size = record.size();
        let headers = (!record.headers.is_empty()).then(|| {
            record.headers.iter().fold(OwnedHeaders::new(), |h, header| {
                h.insert(RdHeader {
                    key: &header.key,
                    value: header.value.as_deref(),
                })
            })
        });
        let mut base: BaseRecord<'_, [u8], [u8], usize> = BaseRecord::with_opaque_to(&record.topic, id);
        base.key = record.key.as_deref();
        base.payload = record.value.as_deref();
        base.partition = record.partition;
        base.timestamp = record.timestamp;
        base.headers = headers;
        // The clock is read only once the queue is full.
        let mut deadline = None;
        loop {
            match self.inner.send(base) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    let deadline = *deadline.get_or_insert_with(|| Deadline::after(self.max_block));
                    if deadline.has_passed() {
                        return Err(Error::Timeout {
                            operation: "room in the producer queue (max.block.ms)".into(),
                            timeout: self.max_block,
                        });
                    }
                    base = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge), _)) => {
                    return Err(Error::RecordTooLarge {
                        topic: record.topic.to_string(),
                        size,
                        max: self.max_request_size,
                    });
                }
                Err((e, _)) => return Err(map_error("send", Some(&record.topic), e)),
            }
        }
    }

    fn require_transactional(&self) -> Result<()> {
        match self.transactional_id {
            Some(_) => Ok(()),
            None => Err(Error::Transaction {
                reason: "this producer has no `transactional.id`".into(),
                source: None,
            }),
        }
    }
}

impl std::fmt::Debug for KafkaProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaProducer")
            .field("transactional_id", &self.transactional_id)
            .field("max_block", &self.max_block)
            .finish_non_exhaustive()
    }
}

impl crate::sealed::Sealed for KafkaProducer {}

impl Producer for KafkaProducer {
    fn send(&self, record: ProducerRecord) -> Result<DeliveryHandle> {
        let (id, slot) = self.inner.context().track();
        match self.produce(record, id) {
            Ok(()) => Ok(DeliveryHandle::pending(slot)),
            Err(e) => {
                self.inner.context().pending.lock().remove(&id);
                Err(e)
            }
        }
    }

    fn enqueue(&self, record: ProducerRecord) -> Result<()> {
        self.produce(record, 0)
    }

    fn flush(&self, timeout: Duration) -> Result<()> {
        // In short waits, so that a refused login or TLS handshake ends the wait.
        let deadline = Deadline::after(timeout);
        loop {
            match self
                .inner
                .flush(deadline.remaining().min(Duration::from_millis(250)))
            {
                Ok(()) => break,
                Err(e) => {
                    if let Some(failure) = self.security_failure() {
                        return Err(failure);
                    }
                    match e {
                        KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut) if !deadline.has_passed() => {}
                        KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut) => {
                            return Err(Error::Timeout {
                                operation: "flush".into(),
                                timeout,
                            });
                        }
                        other => return Err(map_error("flush", None, other)),
                    }
                }
            }
        }
        match self.inner.context().first_failure.lock().take() {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    fn init_transactions(&self, timeout: Duration) -> Result<()> {
        self.require_transactional()?;
        self.inner
            .init_transactions(timeout)
            .map_err(|e| self.txn_error("init transactions", e))
    }

    fn begin_transaction(&self) -> Result<()> {
        self.require_transactional()?;
        self.inner
            .begin_transaction()
            .map_err(|e| self.txn_error("begin transaction", e))
    }

    fn send_offsets_and_metadata_to_transaction(
        &self,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
        group: &GroupMetadata,
        timeout: Duration,
    ) -> Result<()> {
        self.require_transactional()?;
        let GroupMetadataInner::Kafka(metadata) = &group.inner else {
            return Err(Error::BackendMismatch {
                what: "group metadata",
            });
        };
        let tpl = super::group::tpl_of(offsets)?;
        self.inner
            .send_offsets_to_transaction(&tpl, &metadata.0, timeout)
            .map_err(|e| self.txn_error("send offsets to transaction", e))
    }

    fn commit_transaction(&self, timeout: Duration) -> Result<()> {
        self.require_transactional()?;
        self.inner
            .commit_transaction(timeout)
            .map_err(|e| self.txn_error("commit transaction", e))
    }

    fn abort_transaction(&self, timeout: Duration) -> Result<()> {
        self.require_transactional()?;
        self.inner
            .abort_transaction(timeout)
            .map_err(|e| self.txn_error("abort transaction", e))
    }
}
