//! What a processor sees of its task: the current record's metadata, the stores, the
//! records it produces and the punctuations it scheduled.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use bytes::Bytes;
use streamlog::{Headers, ProducerRecord};

use super::Fanout;
use crate::config::{ErrorHandler, RecordHandling};
use crate::error::{Error, Result};
use crate::serdes::retry::UnavailableRetry;
use crate::store::{
    ErasedHandle, KeyValueStore, StateStore, StoreHandle, StoreId, TimestampedKeyValueStore,
    VersionedKeyValueStore,
};

/// When a punctuation fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PunctuationType {
    /// When stream time (the largest record timestamp seen by the task) passes the
    /// interval: driven by data, deterministic on replay.
    StreamTime,
    /// When the wall clock passes the interval, data or not.
    WallClockTime,
}

/// The metadata of the record being processed.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordMeta {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) timestamp: i64,
    pub(crate) headers: Headers,
}

/// A punctuation a processor asked for.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub(crate) node: usize,
    pub(crate) interval: i64,
    pub(crate) kind: PunctuationType,
    pub(crate) next: i64,
}

/// A store of a task, with the identity and typed handle of its declaration.
#[derive(Clone)]
pub(crate) struct TaskStore {
    pub(crate) state: Arc<StateStore>,
    pub(crate) id: StoreId,
    pub(crate) handle: ErasedHandle,
    /// A versioned store's history retention (milliseconds).
    pub(crate) history_ms: i64,
    /// A window or session store's segmentation.
    pub(crate) segments: Option<crate::store::window::Segmentation>,
    /// Whether the table kept in it goes through the record cache.
    pub(crate) caching: bool,
}

impl TaskStore {
    /// The store opened through `handle`, if `handle` is one of this store.
    pub(crate) fn open<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Option<KeyValueStore<K, V>> {
        (self.id == handle.id)
            .then(|| KeyValueStore::new(self.state.clone(), handle.keys.clone(), handle.values.clone()))
    }

    /// The window view of the store opened through `handle`, if `handle` is one of
    /// this store: an error when it is not a window store.
    pub(crate) fn open_window<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Option<Result<crate::store::WindowStore<K, V>>> {
        (self.id == handle.id).then(|| match self.segments {
            Some(s) if s.layout == crate::store::window::KeyLayout::Window => {
                Ok(crate::store::WindowStore::new(
                    self.state.clone(),
                    handle.keys.clone(),
                    handle.values.clone(),
                    s.window_ms,
                ))
            }
            _ => Err(self
                .state
                .error(crate::store::StoreError::NotWindowed { kind: "window" })),
        })
    }

    /// The session view of the store opened through `handle`, as
    /// [`open_window`](Self::open_window).
    pub(crate) fn open_session<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Option<Result<crate::store::SessionStore<K, V>>> {
        (self.id == handle.id).then(|| match self.segments {
            Some(s) if s.layout == crate::store::window::KeyLayout::Session => {
                Ok(crate::store::SessionStore::new(
                    self.state.clone(),
                    handle.keys.clone(),
                    handle.values.clone(),
                ))
            }
            _ => Err(self
                .state
                .error(crate::store::StoreError::NotWindowed { kind: "session" })),
        })
    }

    /// The versioned view of the store opened through `handle`, if `handle` is one of
    /// this store: an error when the store is not versioned.
    pub(crate) fn open_versioned<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Option<Result<VersionedKeyValueStore<K, V>>> {
        (self.id == handle.id).then(|| {
            VersionedKeyValueStore::new(
                self.state.clone(),
                handle.keys.clone(),
                handle.values.clone(),
                self.history_ms,
            )
        })
    }

    /// The timestamped view of the store opened through `handle`, if `handle` is one
    /// of this store: an error when the store keeps no timestamps.
    pub(crate) fn open_timestamped<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Option<Result<TimestampedKeyValueStore<K, V>>> {
        (self.id == handle.id).then(|| {
            TimestampedKeyValueStore::new(self.state.clone(), handle.keys.clone(), handle.values.clone())
        })
    }
}

/// The record cache of the stream thread a task runs on: its share of
/// `statestore.cache.max.bytes`, and how much of it the thread's caches hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct CacheBudget {
    /// Zero: caching is off.
    pub(crate) max_bytes: usize,
    pub(crate) used: Arc<AtomicUsize>,
}

/// What the two sides of one windowed stream-stream join share in a task: the stream
/// time of both sides, the earliest record waiting for its window to close, and the
/// newest record of each side's store (which ages the other side's lookups).
#[derive(Debug, Clone, Copy)]
pub(crate) struct JoinTimes {
    pub(crate) stream_time: i64,
    pub(crate) min_waiting: i64,
    /// The largest timestamp put into the left and right window stores.
    pub(crate) stored: [i64; 2],
    /// The wall-clock time before which waiting records are not looked at again.
    pub(crate) next_emit: i64,
}

impl Default for JoinTimes {
    fn default() -> Self {
        JoinTimes {
            stream_time: -1,
            min_waiting: i64::MAX,
            stored: [i64::MIN; 2],
            next_emit: 0,
        }
    }
}

/// The state of one task that every node reaches while it processes.
#[derive(Default)]
pub(crate) struct TaskCtx {
    pub(crate) meta: RecordMeta,
    /// Records produced by sinks (and repartition topics) since the last send.
    pub(crate) out: Vec<ProducerRecord>,
    pub(crate) stores: HashMap<String, TaskStore>,
    pub(crate) schedules: Vec<Schedule>,
    /// The node being initialized or punctuated (its index in the task's node list).
    pub(crate) current_node: usize,
    pub(crate) stream_time: i64,
    pub(crate) wall_time: i64,
    /// Partition counts of sink topics, for partitioners.
    pub(crate) partition_counts: HashMap<String, i32>,
    /// Asks the log for the partition count of a topic not in `partition_counts` (a
    /// topic chosen per record); without it such a topic counts one partition.
    pub(crate) partition_lookup: Option<PartitionLookup>,
    /// The handlers for records that fail, and the timestamp extractor.
    pub(crate) handling: RecordHandling,
    /// How serde calls are retried while a dependency is unavailable.
    pub(crate) unavailable: UnavailableRetry,
    /// The record cache's budget (shared by the tasks of a stream thread).
    pub(crate) cache: CacheBudget,
    /// The times of the task's stream-stream joins, by join.
    pub(crate) join_times: HashMap<String, JoinTimes>,
}

/// The partition count of a topic, asked of the log.
pub(crate) type PartitionLookup = Arc<dyn Fn(&str) -> Result<i32> + Send + Sync>;

/// Where a record failed, which picks the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failed {
    /// A consumed record's key or value did not deserialize.
    Deserializing,
    /// A produced record's key or value for this sink topic did not serialize.
    Producing,
}

impl TaskCtx {
    /// Applies the handler for `failed` to the current record: fail with `error`, skip
    /// it, or write `key` and `value` to the dead letter topic with headers naming the
    /// error and the input record (and, when producing, the sink topic).
    pub(crate) fn handle_failure(
        &mut self,
        failed: Failed,
        error: Error,
        key: Option<Bytes>,
        value: Option<Bytes>,
    ) -> Result<()> {
        let handler = match failed {
            Failed::Deserializing => &self.handling.deserialization,
            Failed::Producing => &self.handling.production,
        };
        match handler {
            ErrorHandler::Fail => return Err(error),
            ErrorHandler::LogAndContinue => {
                tracing::warn!(error = %with_causes(&error), "skipping a record");
            }
            ErrorHandler::DeadLetter(topic) => {
                let reason = with_causes(&error);
                tracing::warn!(error = %reason, dead_letter_topic = %topic, "dead-lettering a record");
                let mut dead = ProducerRecord::new(topic.as_str());
                dead.key = key;
                dead.value = value;
                dead.timestamp = Some(self.meta.timestamp);
                dead.headers = self.meta.headers.clone();
                dead.headers.push("__dlq.error", Some(reason.into()));
                dead.headers
                    .push("__dlq.topic", Some(self.meta.topic.to_string().into()));
                dead.headers
                    .push("__dlq.partition", Some(self.meta.partition.to_string().into()));
                dead.headers
                    .push("__dlq.offset", Some(self.meta.offset.to_string().into()));
                if let (Failed::Producing, Error::Serialize { topic, .. }) = (failed, &error) {
                    dead.headers.push("__dlq.sink", Some(topic.clone().into()));
                }
                self.out.push(dead);
            }
        }
        let reason = match failed {
            Failed::Deserializing => "deserialization",
            Failed::Producing => "production",
        };
        metrics::counter!("kstream_skipped_records_total", "reason" => reason).increment(1);
        Ok(())
    }

    /// The partition count of sink topic `topic`: known from the start, or asked of the
    /// log once (a topic picked per record) and kept.
    pub(crate) fn partition_count(&mut self, topic: &str) -> Result<i32> {
        if let Some(&n) = self.partition_counts.get(topic) {
            return Ok(n);
        }
        let n = match &self.partition_lookup {
            Some(lookup) => lookup(topic)?,
            None => 1,
        };
        self.partition_counts.insert(topic.to_owned(), n);
        Ok(n)
    }

    /// The timestamped store `name` for one of the topology's own nodes, `asker`, which
    /// knows the store's types: a store missing, or holding other types, is a topology
    /// the builder should not have accepted.
    pub(crate) fn timestamped_store<K: 'static, V: 'static>(
        &self,
        name: &str,
        asker: &str,
    ) -> Result<TimestampedKeyValueStore<K, V>> {
        let (store, handle) = self.declared::<K, V>(name, asker)?;
        store
            .open_timestamped(&handle)
            .ok_or_else(|| unknown_store(name, asker))?
    }

    /// The versioned store `name` for one of the topology's own nodes, as
    /// [`timestamped_store`](Self::timestamped_store).
    pub(crate) fn versioned_store<K: 'static, V: 'static>(
        &self,
        name: &str,
        asker: &str,
    ) -> Result<VersionedKeyValueStore<K, V>> {
        let (store, handle) = self.declared::<K, V>(name, asker)?;
        store
            .open_versioned(&handle)
            .ok_or_else(|| unknown_store(name, asker))?
    }

    /// The window store `name` (of windows `size_ms` long) for one of the topology's
    /// own nodes, as [`timestamped_store`](Self::timestamped_store).
    pub(crate) fn window_store<K: 'static, V: 'static>(
        &self,
        name: &str,
        asker: &str,
        size_ms: i64,
    ) -> Result<crate::store::WindowStore<K, V>> {
        let (store, handle) = self.declared::<K, V>(name, asker)?;
        Ok(crate::store::WindowStore::new(
            store.state.clone(),
            handle.keys.clone(),
            handle.values.clone(),
            size_ms,
        ))
    }

    /// The session store `name` for one of the topology's own nodes.
    pub(crate) fn session_store<K: 'static, V: 'static>(
        &self,
        name: &str,
        asker: &str,
    ) -> Result<crate::store::SessionStore<K, V>> {
        let (store, handle) = self.declared::<K, V>(name, asker)?;
        Ok(crate::store::SessionStore::new(
            store.state.clone(),
            handle.keys.clone(),
            handle.values.clone(),
        ))
    }

    /// Counts the current record as too late for every window it falls in, and hands
    /// it to `callback`.
    pub(crate) fn skip_late(&self, processor: &str, callback: Option<&crate::window::LateRecords>) {
        tracing::debug!(
            processor,
            topic = %self.meta.topic,
            partition = self.meta.partition,
            offset = self.meta.offset,
            timestamp = self.meta.timestamp,
            "skipping a record later than its windows' grace period"
        );
        metrics::counter!("kstream_skipped_records_total", "reason" => "late").increment(1);
        if let Some(callback) = callback {
            callback(&crate::window::LateRecord {
                processor: processor.to_owned(),
                topic: self.meta.topic.to_string(),
                partition: self.meta.partition,
                offset: self.meta.offset,
                timestamp: self.meta.timestamp,
                stream_time: self.stream_time,
            });
        }
    }

    /// Whether the updates of the table kept in store `name` go through the record
    /// cache: the store allows it and the thread has a cache.
    pub(crate) fn caches(&self, name: &str) -> bool {
        self.cache.max_bytes > 0 && self.stores.get(name).is_some_and(|s| s.caching)
    }

    fn declared<K: 'static, V: 'static>(
        &self,
        name: &str,
        asker: &str,
    ) -> Result<(&TaskStore, StoreHandle<K, V>)> {
        let store = self.stores.get(name).ok_or_else(|| unknown_store(name, asker))?;
        let handle = StoreHandle::<K, V>::of(&store.handle).ok_or_else(|| {
            Error::Topology(format!(
                "node `{asker}` reads store `{name}` with other key/value types than it holds"
            ))
        })?;
        Ok((store, handle))
    }
}

fn unknown_store(name: &str, asker: &str) -> Error {
    Error::UnknownStore {
        store: name.to_owned(),
        processor: asker.to_owned(),
    }
}

/// An error and its sources, one after the other: `cannot deserialize ...: not UTF-8:
/// invalid utf-8 sequence ...`.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The record being processed, as a [`TopicNameExtractor`](crate::TopicNameExtractor)
/// sees it (Kafka Streams' `RecordContext`): where it was read from, its timestamp and
/// its headers.
#[derive(Debug, Clone, Copy)]
pub struct RecordContext<'a> {
    meta: &'a RecordMeta,
}

impl<'a> RecordContext<'a> {
    pub(crate) fn of(meta: &'a RecordMeta) -> Self {
        Self { meta }
    }

    /// The topic the record was read from.
    pub fn topic(&self) -> &'a str {
        &self.meta.topic
    }

    /// Its partition.
    pub fn partition(&self) -> i32 {
        self.meta.partition
    }

    /// Its offset.
    pub fn offset(&self) -> i64 {
        self.meta.offset
    }

    /// Its timestamp in epoch milliseconds.
    pub fn timestamp(&self) -> i64 {
        self.meta.timestamp
    }

    /// Its headers (as processors upstream left them).
    pub fn headers(&self) -> &'a Headers {
        &self.meta.headers
    }
}

/// The context of a [`Processor`](super::Processor) call.
pub struct ProcessorContext<'a, KOut, VOut> {
    pub(crate) task: &'a mut TaskCtx,
    pub(crate) children: &'a Fanout<KOut, VOut>,
    pub(crate) name: &'a str,
    pub(crate) stores: &'a [String],
}

impl<KOut: Clone, VOut: Clone> ProcessorContext<'_, KOut, VOut> {
    /// Sends a record to the processor's children, with the current record's timestamp.
    pub fn forward(&mut self, key: KOut, value: VOut) -> Result<()> {
        self.children.forward(self.task, key, value)
    }

    /// Sends a record with another timestamp (epoch milliseconds).
    pub fn forward_with_timestamp(&mut self, key: KOut, value: VOut, timestamp_ms: i64) -> Result<()> {
        self.children.forward_at(self.task, timestamp_ms, key, value)
    }
}

impl<KOut, VOut> std::fmt::Debug for ProcessorContext<'_, KOut, VOut> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessorContext")
            .field("processor", &self.name)
            .field("stores", &self.stores)
            .field("topic", &self.topic())
            .field("partition", &self.partition())
            .field("offset", &self.offset())
            .field("timestamp", &self.timestamp())
            .field("stream_time", &self.stream_time())
            .field("wall_clock_time", &self.wall_clock_time())
            .finish()
    }
}

impl<KOut, VOut> ProcessorContext<'_, KOut, VOut> {
    /// The store of `handle`, which must be connected to this processor (listed in
    /// [`KStream::process`](crate::KStream::process)'s stores). Any other store, or a
    /// store of another topology, is [`Error::UnknownStore`].
    pub fn store<K: 'static, V: 'static>(&self, handle: &StoreHandle<K, V>) -> Result<KeyValueStore<K, V>> {
        self.connected(handle)?
            .open(handle)
            .ok_or_else(|| unknown_store(&handle.label(), self.name))
    }

    /// The store of `handle` with each value's timestamp: a store declared with
    /// [`Materialized::timestamped`](crate::Materialized::timestamped), connected to
    /// this processor as for [`store`](Self::store). A store without timestamps is
    /// [`Error::Store`] with [`StoreError::NotTimestamped`](crate::store::StoreError::NotTimestamped).
    pub fn timestamped_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<TimestampedKeyValueStore<K, V>> {
        self.connected(handle)?
            .open_timestamped(handle)
            .ok_or_else(|| unknown_store(&handle.label(), self.name))?
    }

    /// The versioned store of `handle`: a store declared with
    /// [`Materialized::versioned`](crate::Materialized::versioned), connected to this
    /// processor as for [`store`](Self::store). Any other store is [`Error::Store`] with
    /// [`StoreError::NotVersioned`](crate::store::StoreError::NotVersioned).
    pub fn versioned_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<VersionedKeyValueStore<K, V>> {
        self.connected(handle)?
            .open_versioned(handle)
            .ok_or_else(|| unknown_store(&handle.label(), self.name))?
    }

    /// The task's instance of the store of `handle`, if it is connected to this
    /// processor.
    fn connected<K, V>(&self, handle: &StoreHandle<K, V>) -> Result<&TaskStore> {
        let unknown = || unknown_store(&handle.label(), self.name);
        let name = handle.name().ok_or_else(unknown)?;
        if !self.stores.iter().any(|s| s == name) {
            return Err(unknown());
        }
        self.task.stores.get(name).ok_or_else(unknown)
    }

    /// Asks for [`Processor::punctuate`](super::Processor::punctuate) every `interval`
    /// (at least a millisecond).
    pub fn schedule(&mut self, interval: Duration, kind: PunctuationType) {
        let interval = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX).max(1);
        let now = match kind {
            PunctuationType::StreamTime => self.task.stream_time,
            PunctuationType::WallClockTime => self.task.wall_time,
        };
        self.task.schedules.push(Schedule {
            node: self.task.current_node,
            interval,
            kind,
            next: now.saturating_add(interval),
        });
    }

    /// The processor's name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The topic of the current record.
    pub fn topic(&self) -> &str {
        &self.task.meta.topic
    }

    /// Its partition.
    pub fn partition(&self) -> i32 {
        self.task.meta.partition
    }

    /// Its offset.
    pub fn offset(&self) -> i64 {
        self.task.meta.offset
    }

    /// Its timestamp in epoch milliseconds (event time, from the timestamp extractor).
    pub fn timestamp(&self) -> i64 {
        self.task.meta.timestamp
    }

    /// Its headers.
    pub fn headers(&self) -> &Headers {
        &self.task.meta.headers
    }

    /// Its headers, to change what is forwarded and produced.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.task.meta.headers
    }

    /// The task's stream time: the largest record timestamp it has seen, in epoch
    /// milliseconds.
    pub fn stream_time(&self) -> i64 {
        self.task.stream_time
    }

    /// The wall-clock time of the task's last step, in epoch milliseconds.
    pub fn wall_clock_time(&self) -> i64 {
        self.task.wall_time
    }
}
