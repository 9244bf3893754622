//! Consumer of the Kafka backend: librdkafka's polling consumer, batched polls, our own
//! positions, and rebalance callbacks that may commit.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers as _, Message};
use rdkafka::{Offset as RdOffset, TopicPartitionList};

use super::group::{GroupContext, Positions, commit, partitions_of};
use super::{KafkaGroupMetadata, api_timeout, committed_offsets, map_error, partition_list, rd_config};
use crate::client::{Consumer, GroupMetadata, GroupMetadataInner, OffsetCommitter, RebalanceListener};
use crate::config::{AutoOffsetReset, ClientConfig};
use crate::error::{Error, Result};
use crate::lent::{HeadersRef, RecordRef};
use crate::record::{Header, Offset, OffsetAndMetadata, Record, Timestamp, TopicPartition};
use crate::time::Deadline;

pub(super) fn timestamp(t: rdkafka::Timestamp) -> Timestamp {
    match t {
        rdkafka::Timestamp::NotAvailable => Timestamp::NotAvailable,
        rdkafka::Timestamp::CreateTime(ms) => Timestamp::CreateTime(ms),
        rdkafka::Timestamp::LogAppendTime(ms) => Timestamp::LogAppendTime(ms),
    }
}

/// Bytes a consumer's key/value buffer grows by.
const ARENA_BLOCK: usize = 64 * 1024;

/// How many records a poll makes room for when its first record arrives.
const BATCH_RESERVE: usize = 1024;

pub(super) struct KafkaConsumer {
    inner: Option<BaseConsumer<GroupContext>>,
    positions: Positions,
    group_id: Option<String>,
    max_poll_records: usize,
    timeout: Duration,
    subscribed: bool,
    /// An error met after records were already collected, returned by the next poll.
    pending_error: Option<Error>,
    /// The last topic name seen, to share one allocation across a batch.
    last_topic: Option<Arc<str>>,
    /// A manual assignment not yet handed to librdkafka.
    pending_assignment: Option<Vec<TopicPartition>>,
    reset: AutoOffsetReset,
}

impl KafkaConsumer {
    pub(super) fn new(config: &ClientConfig) -> Result<Self> {
        let max_poll_records = config.max_poll_records_value()?;
        // Validate the values we interpret the same way on both backends.
        let reset = config.auto_offset_reset_value()?;
        config.isolation_level_value()?;
        let mut rd = rd_config(config);
        if config.get("auto.offset.reset") == Some("none") {
            rd.set("auto.offset.reset", "error");
        }
        if config.get("group.id").is_none() {
            // librdkafka wants a group id for any consumer; one nobody else uses.
            rd.set("group.id", format!("streamlog-unmanaged-{}", std::process::id()));
        }
        let positions = Positions::default();
        let inner: BaseConsumer<GroupContext> = rd
            .create_with_context(GroupContext {
                listener: Mutex::new(None),
                positions: positions.clone(),
                panic: Mutex::new(None),
                cooperative: config
                    .get("partition.assignment.strategy")
                    .is_some_and(|s| s.contains("cooperative")),
                watch: Default::default(),
                group_id: config.get("group.id").map(str::to_owned),
            })
            .map_err(|e| map_error("creating the consumer", None, e))?;
        Ok(Self {
            inner: Some(inner),
            positions,
            group_id: config.get("group.id").map(str::to_owned),
            max_poll_records,
            timeout: api_timeout(config)?,
            subscribed: false,
            pending_error: None,
            last_topic: None,
            pending_assignment: None,
            reset,
        })
    }

    fn inner(&self) -> Result<&BaseConsumer<GroupContext>> {
        self.inner.as_ref().ok_or(Error::Closed { what: "consumer" })
    }

    /// Hands a manual assignment made since the last call to librdkafka: partitions
    /// with a position (sought, or read before) start there, the others where
    /// [`Self::start_offset`] says.
    fn settle_assignment(&mut self) -> Result<()> {
        let Some(partitions) = self.pending_assignment.take() else {
            return Ok(());
        };
        let start = self.start_offset();
        let mut tpl = TopicPartitionList::new();
        for tp in &partitions {
            let offset = self.position(tp).map_or(start, RdOffset::Offset);
            tpl.add_partition_offset(&tp.topic, tp.partition, offset)
                .map_err(|e| map_error("assign", Some(&tp.topic), e))?;
        }
        self.inner()?
            .assign(&tpl)
            .map_err(|e| map_error("assign", None, e))
    }

    /// Where a manually assigned partition without a position starts: the committed
    /// offset in a group; without one there is nothing to look up, so where
    /// auto.offset.reset says, saving librdkafka the group round trip.
    fn start_offset(&self) -> RdOffset {
        match (&self.group_id, self.reset) {
            (Some(_), _) => RdOffset::Stored,
            (None, AutoOffsetReset::Earliest) => RdOffset::Beginning,
            (None, _) => RdOffset::End,
        }
    }

    fn require_group(&self) -> Result<&str> {
        self.group_id.as_deref().ok_or(Error::NoGroupId)
    }

    /// Copies a librdkafka message into a [`Record`]. Keys and values are appended to
    /// `arena` and split off as slices of it, so a batch shares a few allocations (like a
    /// fetch buffer); records of one topic share one name.
    fn convert(
        last_topic: &mut Option<Arc<str>>,
        arena: &mut BytesMut,
        m: &BorrowedMessage<'_>,
        name: &str,
    ) -> Record {
        let mut copy = |bytes: Option<&[u8]>| {
            bytes.map(|b| {
                if arena.capacity() - arena.len() < b.len() {
                    arena.reserve(b.len().max(ARENA_BLOCK));
                }
                arena.extend_from_slice(b);
                arena.split().freeze()
            })
        };
        let key = copy(m.key());
        let value = copy(m.payload());
        let topic = match last_topic {
            Some(t) if **t == *name => t.clone(),
            _ => last_topic.insert(Arc::from(name)).clone(),
        };
        let headers = m
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| Header {
                        key: h.key.to_owned(),
                        value: h.value.map(Bytes::copy_from_slice),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Record {
            topic,
            partition: m.partition(),
            offset: m.offset(),
            timestamp: timestamp(m.timestamp()),
            key,
            value,
            headers,
        }
    }

    /// The poll loop both `poll` and `poll_each` run: up to `max.poll.records`
    /// messages, waiting up to `timeout` for the first, each handed to `on`; then one
    /// position update per partition run. Returns how many messages `on` saw.
    fn poll_messages(
        &mut self,
        timeout: Duration,
        mut on: impl FnMut(&BorrowedMessage<'_>, &str),
    ) -> Result<usize> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        self.settle_assignment()?;
        let inner = self.inner.as_ref().ok_or(Error::Closed { what: "consumer" })?;
        // librdkafka keeps its own time: the wait for records is real time.
        let deadline = Deadline::after(timeout);
        let mut seen = 0;
        // (topic, partition, last offset) of each run of messages from one partition.
        let mut runs: Vec<(String, i32, i64)> = Vec::new();
        loop {
            let wait = if seen == 0 {
                deadline.remaining().min(Duration::from_millis(250))
            } else {
                Duration::ZERO
            };
            match inner.poll(wait) {
                Some(Ok(m)) => {
                    // The name is read once (librdkafka gives a C string to check).
                    let topic = m.topic();
                    on(&m, topic);
                    seen += 1;
                    match runs.last_mut() {
                        Some((t, partition, last)) if *partition == m.partition() && t == topic => {
                            *last = m.offset();
                        }
                        _ => runs.push((topic.to_owned(), m.partition(), m.offset())),
                    }
                    if seen >= self.max_poll_records {
                        break;
                    }
                }
                Some(Err(KafkaError::PartitionEOF(_))) => {}
                Some(Err(e)) => {
                    let e = inner
                        .context()
                        .watch
                        .failure()
                        .unwrap_or_else(|| map_error("poll", None, e));
                    if seen == 0 {
                        return Err(e);
                    }
                    self.pending_error = Some(e);
                    break;
                }
                // A rebalance event was served, or the wait ran out; a refused login or
                // TLS handshake ends the wait.
                None if seen == 0 && !deadline.has_passed() => {
                    if let Some(failure) = inner.context().watch.failure() {
                        return Err(failure);
                    }
                }
                None => break,
            }
        }
        if let Some(payload) = inner.context().panic.lock().take() {
            std::panic::resume_unwind(payload);
        }
        let mut positions = self.positions.lock();
        for (topic, partition, last) in runs {
            positions.insert(TopicPartition::new(topic, partition), last + 1);
        }
        drop(positions);
        if seen > 0 {
            metrics::counter!("streamlog_records_consumed_total", "backend" => "kafka")
                .increment(seen as u64);
        }
        Ok(seen)
    }

    fn require_assigned(&self, tp: &TopicPartition) -> Result<()> {
        if self.assignment().contains(tp) {
            Ok(())
        } else {
            Err(Error::NotAssigned {
                topic: tp.topic.clone(),
                partition: tp.partition,
            })
        }
    }
}

impl std::fmt::Debug for KafkaConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaConsumer")
            .field("group_id", &self.group_id)
            .field("subscribed", &self.subscribed)
            .field("closed", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

impl OffsetCommitter for KafkaConsumer {
    fn position(&self, tp: &TopicPartition) -> Option<i64> {
        let read = self.positions.lock().get(tp).copied();
        // librdkafka's own position also moves past transaction markers and aborted
        // records, which no record shows; a seek makes it unknown until the next
        // record or marker, so it is never behind a seek's target.
        let skipped = self.inner.as_ref().and_then(|inner| {
            let list = inner.position().ok()?;
            match list.find_partition(&tp.topic, tp.partition)?.offset() {
                RdOffset::Offset(o) => Some(o),
                _ => None,
            }
        });
        match (read, skipped) {
            (Some(r), Some(s)) => Some(r.max(s)),
            (r, s) => r.or(s),
        }
    }

    fn commit_offsets_and_metadata(&mut self, offsets: &[(TopicPartition, OffsetAndMetadata)]) -> Result<()> {
        let group = self.require_group()?.to_owned();
        commit(self.inner()?, offsets).map_err(|e| match e {
            Error::CommitFailed { reason, source, .. } => Error::CommitFailed {
                group,
                reason,
                source,
            },
            other => other,
        })
    }

    fn transaction_group(&self) -> Option<crate::GroupMetadata> {
        crate::Consumer::group_metadata(self)
    }
}

impl crate::sealed::Sealed for KafkaConsumer {}

impl Consumer for KafkaConsumer {
    fn subscribe_with_listener(
        &mut self,
        topics: &[&str],
        listener: Box<dyn RebalanceListener>,
    ) -> Result<()> {
        self.require_group()?;
        // A subscription replaces a manual assignment.
        self.pending_assignment = None;
        let inner = self.inner()?;
        *inner.context().listener.lock() = Some(listener);
        inner
            .subscribe(topics)
            .map_err(|e| map_error("subscribe", topics.first().copied(), e))?;
        self.subscribed = true;
        Ok(())
    }

    fn unsubscribe(&mut self) -> Result<()> {
        self.pending_assignment = None;
        self.inner()?.unsubscribe();
        self.subscribed = false;
        Ok(())
    }

    fn assign(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        if self.subscribed {
            return Err(Error::IllegalState {
                reason: "assign while subscribed: call unsubscribe first".into(),
            });
        }
        self.inner()?;
        self.positions.lock().retain(|tp, _| partitions.contains(tp));
        // Handed to librdkafka at the next call that needs it, so seeks made before
        // the first poll become the start offsets of one assignment.
        self.pending_assignment = Some(partitions.to_vec());
        Ok(())
    }

    fn assignment(&self) -> Vec<TopicPartition> {
        if let Some(pending) = &self.pending_assignment {
            return pending.clone();
        }
        self.inner()
            .ok()
            .and_then(|c| c.assignment().ok())
            .map(|tpl| partitions_of(&tpl))
            .unwrap_or_default()
    }

    fn poll(&mut self, timeout: Duration) -> Result<Vec<Record>> {
        let mut out: Vec<Record> = Vec::new();
        let mut arena = BytesMut::new();
        let mut last_topic = self.last_topic.take();
        let reserve = self.max_poll_records.min(BATCH_RESERVE);
        let polled = self.poll_messages(timeout, |m, topic| {
            if out.capacity() == 0 {
                // A batch rarely ends at its first record: room for a good part of it
                // at once, rather than growing it from one.
                out.reserve(reserve);
            }
            out.push(Self::convert(&mut last_topic, &mut arena, m, topic));
        });
        self.last_topic = last_topic;
        polled.map(|_| out)
    }

    fn poll_each(&mut self, timeout: Duration, each: &mut dyn FnMut(RecordRef<'_>)) -> Result<usize> {
        self.poll_messages(timeout, |m, topic| {
            each(RecordRef {
                topic,
                partition: m.partition(),
                offset: m.offset(),
                timestamp: timestamp(m.timestamp()),
                key: m.key(),
                value: m.payload(),
                headers: HeadersRef::kafka(m),
            })
        })
    }

    fn seek(&mut self, tp: &TopicPartition, offset: Offset) -> Result<()> {
        self.require_assigned(tp)?;
        let pending = self.pending_assignment.is_some();
        let target = match offset {
            Offset::At(o) => o,
            Offset::Beginning | Offset::End => {
                let (low, high) = self
                    .inner()?
                    .fetch_watermarks(&tp.topic, tp.partition, self.timeout)
                    .map_err(|e| map_error("seek", Some(&tp.topic), e))?;
                if offset == Offset::Beginning { low } else { high }
            }
        };
        if pending {
            // The assignment is not with librdkafka yet: this is its start offset.
            self.positions.lock().insert(tp.clone(), target);
            return Ok(());
        }
        let had_position = self.positions.lock().contains_key(tp);
        let inner = self.inner()?;
        let seek = || inner.seek(&tp.topic, tp.partition, RdOffset::Offset(target), self.timeout);
        if !self.subscribed {
            // A manually assigned partition with no position yet may still be resolving
            // its start (a logical offset, or the committed one): librdkafka applies
            // that answer when it arrives, over an earlier seek. A partition whose
            // fetcher has not started refuses seek (librdkafka's "erroneous state").
            // Either way the assignment is made again, with the offset as its start.
            if !(had_position && seek().is_ok()) {
                self.positions.lock().insert(tp.clone(), target);
                self.pending_assignment = Some(self.assignment());
                return self.settle_assignment();
            }
        } else if seek().is_err() {
            // The subscribed partition is assigned again, with the offset.
            let mut tpl = TopicPartitionList::new();
            tpl.add_partition_offset(&tp.topic, tp.partition, RdOffset::Offset(target))
                .map_err(|e| map_error("seek", Some(&tp.topic), e))?;
            inner
                .incremental_unassign(&partition_list(std::slice::from_ref(tp)))
                .and_then(|()| inner.incremental_assign(&tpl))
                .map_err(|e| map_error("seek", Some(&tp.topic), e))?;
        }
        self.positions.lock().insert(tp.clone(), target);
        Ok(())
    }

    fn pause(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.require_assigned(tp)?;
        }
        self.settle_assignment()?;
        self.inner()?
            .pause(&partition_list(partitions))
            .map_err(|e| map_error("pause", None, e))
    }

    fn resume(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.require_assigned(tp)?;
        }
        self.settle_assignment()?;
        self.inner()?
            .resume(&partition_list(partitions))
            .map_err(|e| map_error("resume", None, e))
    }

    fn committed_metadata(&self, partitions: &[TopicPartition]) -> Result<Vec<Option<OffsetAndMetadata>>> {
        self.require_group()?;
        committed_offsets(self.inner()?, partitions, self.timeout)
    }

    fn group_metadata(&self) -> Option<GroupMetadata> {
        Some(GroupMetadata {
            group_id: self.group_id.clone()?,
            inner: GroupMetadataInner::Kafka(KafkaGroupMetadata(Arc::new(
                self.inner.as_ref()?.group_metadata()?,
            ))),
        })
    }

    fn close(&mut self) -> Result<()> {
        // Leave the group while the consumer is fully alive: unsubscribe, then poll
        // until the revoke has run (the listener sees it and may commit). Letting
        // librdkafka's close do the revoke instead hung now and then on the mock
        // cluster: the rebalance inside the close never got its reply.
        if self.subscribed && self.inner.is_some() {
            self.unsubscribe()?;
            let deadline = Deadline::after(self.timeout);
            while !self.assignment().is_empty() && !deadline.has_passed() {
                if let Some(inner) = self.inner.as_ref() {
                    // Records that arrive now are not handed out.
                    let _ = inner.poll(Duration::from_millis(50));
                }
            }
        }
        // Dropping the librdkafka consumer closes it; with enable.auto.commit,
        // positions are committed.
        self.inner.take();
        Ok(())
    }
}
