//! [`TopologyTestDriver`]: runs a topology synchronously, record by record, with no
//! threads and no log, like Kafka Streams' driver of the same name. Records go in
//! through [`TestInputTopic`]s and come out of [`TestOutputTopic`]s, typed by serdes, or
//! as [`TestRecord`]s with their timestamps and headers. [`DriverCommit`] says when the
//! driver commits.

mod commit;
mod record;
mod topics;

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::ops::Bound;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use streamlog::{Headers, ProducerRecord, Record, Timestamp};

use crate::config::{
    DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_RECORDS, DeserializationHandler, RecordHandling, StreamsConfig,
};
use crate::dsl::Topology;
use crate::error::{Error, Result};
use crate::processor::{CacheBudget, Null, TaskStore, count_null_skip};
use crate::runtime::{Task, TaskId};
use crate::serdes::Serde;
use crate::store::{
    InMemoryBackend, KeyValueStore, StateStore, StoreHandle, StoreKind, TimestampedKeyValueStore,
    ValueLayout, VersionedKeyValueStore,
};

pub use commit::DriverCommit;
pub use record::TestRecord;
pub use topics::{TestInputTopic, TestOutputTopic};

struct Inner {
    tasks: Vec<Task>,
    /// Global tables' stores by topic.
    globals: HashMap<String, Arc<StateStore>>,
    /// Which task reads each topic.
    readers: HashMap<String, usize>,
    outputs: HashMap<String, VecDeque<ProducerRecord>>,
    /// How many records were read from each output topic: the offset of the next one.
    read: HashMap<String, i64>,
    offsets: HashMap<String, i64>,
    wall: i64,
    /// When the tasks commit.
    commit: DriverCommit,
    /// `statestore.cache.max.records`: with [`DriverCommit::Manual`], a store caching
    /// more keys makes the driver commit.
    cache_max_records: usize,
    /// Where RocksDB stores keep their data (with `default.dsl.store` or a store's kind
    /// set to RocksDB), removed with the driver and its topics.
    state_dir: std::path::PathBuf,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The stores close first (their databases hold the directory open).
        self.tasks.clear();
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

/// A record on its way to the task that reads its topic: topic, key, value, timestamp,
/// headers.
type Pending = (String, Option<Bytes>, Option<Bytes>, i64, Headers);

/// Runs a topology in the calling thread. Every sub-topology is one task (partition 0);
/// records written to a topic another sub-topology reads (repartition topics) are
/// processed at once. Like Kafka Streams' driver it commits after every record, unless
/// it was made with [`DriverCommit::Manual`] ([`with_commit`](Self::with_commit)); then
/// the test commits with [`commit`](Self::commit).
///
/// ```
/// use kstream::{Consumed, Produced, StreamsBuilder, StringSerde, TopologyTestDriver};
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("in", Consumed::with(StringSerde, StringSerde))
///     .map_values(|v| v.len() as i64)
///     .to("out", Produced::with(StringSerde, kstream::I64Serde));
/// let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
/// let input = driver.input_topic("in", StringSerde, StringSerde);
/// let output = driver.output_topic("out", StringSerde, kstream::I64Serde);
/// input.pipe_input("a".to_string(), "four".to_string()).unwrap();
/// assert_eq!(output.read_key_values().unwrap(), vec![("a".to_string(), 4)]);
/// ```
#[derive(Clone)]
pub struct TopologyTestDriver {
    inner: Rc<RefCell<Inner>>,
}

/// The application id the driver runs under (prefix of internal topics).
pub const TEST_APPLICATION_ID: &str = "test-driver";

impl TopologyTestDriver {
    /// A driver failing on undecodable records.
    pub fn new(topology: Topology) -> Result<Self> {
        Self::with_handler(topology, DeserializationHandler::Fail)
    }

    /// A driver with a deserialization handler.
    pub fn with_handler(topology: Topology, handler: DeserializationHandler) -> Result<Self> {
        Self::build(
            topology,
            RecordHandling {
                deserialization: handler,
                // Kafka's driver emits on every record unless told otherwise.
                windowed_emit_interval: Duration::ZERO,
                join_emit_interval: Duration::ZERO,
                ..RecordHandling::default()
            },
            DriverCommit::AfterEachRecord,
            DEFAULT_CACHE_MAX_RECORDS,
            DEFAULT_CACHE_MAX_BYTES,
            StoreKind::InMemory,
        )
    }

    /// A driver with the handlers, timestamp extractor, `task.timeout.ms` and
    /// `statestore.cache.max.bytes` of `config`, once every key of it is checked (an
    /// error names the first key whose value does not fit). As in a stream thread, a serde whose dependency is
    /// unavailable is retried on the same record (the pipe call waits), and past
    /// `task.timeout.ms` the pipe call returns [`Error::SerdeUnavailable`] with the
    /// record unprocessed.
    pub fn with_config(topology: Topology, config: &StreamsConfig) -> Result<Self> {
        Self::with_commit(topology, config, DriverCommit::AfterEachRecord)
    }

    /// [`with_config`](Self::with_config), committing as `commit` says: with
    /// [`DriverCommit::Manual`] the driver commits only when [`commit`](Self::commit) is
    /// called, and when a record leaves more than `statestore.cache.max.records` (from
    /// `config`) keys in a store's cache, as a stream thread does.
    pub fn with_commit(topology: Topology, config: &StreamsConfig, commit: DriverCommit) -> Result<Self> {
        let settings = config.resolve()?;
        let mut handling = settings.record_handling();
        handling.windowed_emit_interval = settings.windowed_emit_interval.unwrap_or(Duration::ZERO);
        handling.join_emit_interval = settings.join_emit_interval.unwrap_or(Duration::ZERO);
        Self::build(
            topology,
            handling,
            commit,
            settings.cache_max_records,
            settings.cache_max_bytes,
            settings.default_store,
        )
    }

    fn build(
        topology: Topology,
        handling: RecordHandling,
        commit: DriverCommit,
        cache_max_records: usize,
        cache_max_bytes: usize,
        default_store: StoreKind,
    ) -> Result<Self> {
        // Persistent stores live in a directory of this driver's, removed with it.
        static DRIVERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let state_dir = std::env::temp_dir().join(format!(
            "kstream-test-driver-{}-{}",
            std::process::id(),
            DRIVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        // One record cache for every task, as one stream thread has.
        let cache = CacheBudget {
            max_bytes: cache_max_bytes,
            used: Default::default(),
        };
        let mut tasks = Vec::new();
        let mut readers = HashMap::new();
        let mut global_stores = HashMap::new();
        let mut globals = HashMap::new();
        for (topic, store) in &topology.graph.globals {
            let s = Arc::new(StateStore::new(
                store,
                Box::new(InMemoryBackend::default()),
                None,
                ValueLayout::Timestamped,
            ));
            global_stores.insert(store.clone(), s.clone());
            globals.insert(topic.clone(), s);
        }
        for subtopology in 0..topology.graph.subtopologies().len() {
            let id = TaskId {
                subtopology,
                partition: 0,
            };
            let backend = |spec: &crate::store::StoreSpec, task: TaskId| {
                let dir = state_dir.join(task.to_string()).join(&spec.name);
                crate::store::open_backend(spec, spec.kind.unwrap_or(default_store), &dir, &task.to_string())
            };
            let mut task = Task::new(
                &topology,
                TEST_APPLICATION_ID,
                id,
                handling.clone(),
                &backend,
                &global_stores,
            )?;
            task.ctx.cache = cache.clone();
            task.init(0)?;
            for topic in task.topics() {
                readers.insert(topic.to_owned(), tasks.len());
            }
            tasks.push(task);
        }
        let inner = Inner {
            tasks,
            globals,
            readers,
            outputs: HashMap::new(),
            read: HashMap::new(),
            offsets: HashMap::new(),
            wall: 0,
            commit,
            cache_max_records,
            state_dir,
        };
        Ok(Self {
            inner: Rc::new(RefCell::new(inner)),
        })
    }

    /// Writes a record of bytes with timestamp `timestamp_ms` (epoch milliseconds) to
    /// `topic` and processes everything it causes.
    pub fn pipe_raw(
        &self,
        topic: &str,
        key: Option<Bytes>,
        value: Option<Bytes>,
        timestamp_ms: i64,
    ) -> Result<()> {
        self.pipe_with_headers(topic, key, value, timestamp_ms, Headers::new())
    }

    /// [`pipe_raw`](Self::pipe_raw) with headers.
    pub(crate) fn pipe_with_headers(
        &self,
        topic: &str,
        key: Option<Bytes>,
        value: Option<Bytes>,
        timestamp_ms: i64,
        headers: Headers,
    ) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        inner.process(VecDeque::from([(
            topic.to_owned(),
            key,
            value,
            timestamp_ms,
            headers,
        )]))?;
        if inner.commit == DriverCommit::Manual {
            let max = inner.cache_max_records;
            if inner.tasks.iter().any(|task| task.cache_full(max)) {
                inner.commit()?;
            }
        }
        Ok(())
    }

    /// Commits every task now, as a stream thread does every `commit.interval.ms` and
    /// when it closes: each store's pending writes go to the store and to its changelog,
    /// and whatever this writes to a topic the topology reads is processed and committed
    /// in turn, until nothing is pending. A driver that commits after each record
    /// ([`DriverCommit::AfterEachRecord`], the default) finds nothing to do.
    pub fn commit(&self) -> Result<()> {
        self.inner.borrow_mut().commit()
    }

    /// Moves the wall clock forward by `by` (in whole milliseconds, as Kafka's clock
    /// counts) and fires the wall-clock punctuations that are due.
    pub fn advance_wall_clock(&self, by: Duration) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        inner.wall = inner.wall.saturating_add(millis);
        let wall = inner.wall;
        let mut produced = Vec::new();
        let commit = inner.commit == DriverCommit::AfterEachRecord;
        for task in &mut inner.tasks {
            task.punctuate(crate::processor::PunctuationType::WallClockTime, wall)?;
            if commit {
                task.commit_state(true)?;
            }
            produced.extend(task.take_output());
        }
        for r in produced {
            inner.outputs.entry(r.topic.to_string()).or_default().push_back(r);
        }
        Ok(())
    }

    /// A typed input topic.
    pub fn input_topic<K: 'static, V: 'static>(
        &self,
        topic: &str,
        keys: impl Serde<K>,
        values: impl Serde<V>,
    ) -> TestInputTopic<K, V> {
        TestInputTopic::new(self.clone(), topic, Arc::new(keys), Arc::new(values))
    }

    /// A typed output topic.
    pub fn output_topic<K: 'static, V: 'static>(
        &self,
        topic: &str,
        keys: impl Serde<K>,
        values: impl Serde<V>,
    ) -> TestOutputTopic<K, V> {
        TestOutputTopic::new(self.clone(), topic, Arc::new(keys), Arc::new(values))
    }

    /// The raw records written to `topic` and not read yet.
    pub fn read_raw(&self, topic: &str) -> Vec<ProducerRecord> {
        let mut inner = self.inner.borrow_mut();
        let records: Vec<ProducerRecord> = inner
            .outputs
            .get_mut(topic)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default();
        *inner.read.entry(topic.to_owned()).or_insert(0) += records.len() as i64;
        records
    }

    /// The next record written to `topic` and not read yet, with its offset.
    pub(crate) fn read_next(&self, topic: &str) -> Option<(i64, ProducerRecord)> {
        let mut inner = self.inner.borrow_mut();
        let record = inner.outputs.get_mut(topic)?.pop_front()?;
        let read = inner.read.entry(topic.to_owned()).or_insert(0);
        *read += 1;
        Some((*read - 1, record))
    }

    /// How many records were written to `topic` and not read yet.
    pub(crate) fn unread(&self, topic: &str) -> usize {
        self.inner.borrow().outputs.get(topic).map_or(0, VecDeque::len)
    }

    /// The store of `handle`, to read or change it between records. A handle of
    /// another topology's store is [`Error::NoSuchStore`].
    pub fn store<K: 'static, V: 'static>(&self, handle: &StoreHandle<K, V>) -> Result<KeyValueStore<K, V>> {
        self.opened(handle, |store| store.open(handle))
    }

    /// The store of `handle` with each value's timestamp (Kafka's
    /// `getTimestampedKeyValueStore`): the stores of tables and aggregations, and
    /// processor API stores declared with
    /// [`Materialized::timestamped`](crate::Materialized::timestamped).
    pub fn timestamped_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<TimestampedKeyValueStore<K, V>> {
        self.opened(handle, |store| store.open_timestamped(handle))?
    }

    /// The versioned store of `handle` (Kafka's `getVersionedKeyValueStore`): a
    /// processor API store declared with
    /// [`Materialized::versioned`](crate::Materialized::versioned).
    pub fn versioned_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<VersionedKeyValueStore<K, V>> {
        self.opened(handle, |store| store.open_versioned(handle))?
    }

    /// The window store of `handle`: the store of a time-windowed or sliding-window
    /// aggregation (Kafka's `getTimestampedWindowStore`).
    pub fn window_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<crate::store::WindowStore<K, V>> {
        self.opened(handle, |store| store.open_window(handle))?
    }

    /// The session store of `handle`: the store of a session-windowed aggregation
    /// (Kafka's `getSessionStore`).
    pub fn session_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<crate::store::SessionStore<K, V>> {
        self.opened(handle, |store| store.open_session(handle))?
    }

    /// What `open` gives for the task's instance of the store of `handle`;
    /// [`Error::NoSuchStore`] for a handle of another topology's store.
    fn opened<K, V, T>(
        &self,
        handle: &StoreHandle<K, V>,
        open: impl FnOnce(&TaskStore) -> Option<T>,
    ) -> Result<T> {
        let inner = self.inner.borrow();
        handle
            .name()
            .and_then(|name| inner.task_store(name))
            .and_then(open)
            .ok_or_else(|| Error::NoSuchStore(handle.label()))
    }

    /// The entries of store `name` as bytes, in key order: a read of any store
    /// without its types, for tools and golden-file comparisons.
    pub fn raw_store(&self, name: &str) -> Result<Vec<(Bytes, Bytes)>> {
        let inner = self.inner.borrow();
        let store = inner
            .task_store(name)
            .ok_or_else(|| Error::NoSuchStore(name.to_owned()))?;
        store.state.range(Bound::Unbounded, Bound::Unbounded)
    }

    /// [`raw_store`](Self::raw_store) with each value's timestamp, `None` in a store
    /// that keeps no timestamps.
    pub fn raw_store_with_timestamps(&self, name: &str) -> Result<Vec<(Bytes, Bytes, Option<i64>)>> {
        let inner = self.inner.borrow();
        let store = inner
            .task_store(name)
            .ok_or_else(|| Error::NoSuchStore(name.to_owned()))?;
        let timestamped = store.state.timestamped();
        Ok(store
            .state
            .range_stamped(Bound::Unbounded, Bound::Unbounded)?
            .into_iter()
            .map(|(k, s)| (k, s.value, timestamped.then_some(s.timestamp)))
            .collect())
    }
}

impl Inner {
    /// Processes `queue` and everything it causes: each record by the task that reads its
    /// topic (or into the global store of its topic), the records that task writes to a
    /// topic the topology reads queued in turn. With [`DriverCommit::AfterEachRecord`]
    /// the task commits after each record.
    fn process(&mut self, mut queue: VecDeque<Pending>) -> Result<()> {
        while let Some((topic, key, value, timestamp, headers)) = queue.pop_front() {
            if let Some(store) = self.globals.get(&topic) {
                match &key {
                    Some(key) => store.restore(key, value.as_deref(), timestamp)?,
                    None => count_null_skip(Null::Key),
                }
                continue;
            }
            let Some(&t) = self.readers.get(&topic) else {
                return Err(Error::Topology(format!("no source reads topic `{topic}`")));
            };
            let offset = {
                let o = self.offsets.entry(topic.clone()).or_insert(0);
                *o += 1;
                *o - 1
            };
            let record = Record {
                topic: Arc::from(topic.as_str()),
                partition: 0,
                offset,
                timestamp: Timestamp::CreateTime(timestamp),
                key,
                value,
                headers,
            };
            let wall = self.wall;
            let task = &mut self.tasks[t];
            task.process(&record, wall)?;
            if self.commit == DriverCommit::AfterEachRecord {
                task.commit_state(true)?;
            }
            let produced = task.take_output();
            queue.extend(self.deliver(produced, timestamp));
        }
        Ok(())
    }

    /// Puts `produced` in the output queues, and returns the records among them that a
    /// task reads (a record without a timestamp takes `timestamp`).
    fn deliver(&mut self, produced: Vec<ProducerRecord>, timestamp: i64) -> Vec<Pending> {
        let mut read = Vec::new();
        for r in produced {
            if self.readers.contains_key(&*r.topic) {
                read.push((
                    r.topic.to_string(),
                    r.key.clone(),
                    r.value.clone(),
                    r.timestamp.unwrap_or(timestamp),
                    r.headers.clone(),
                ));
            }
            self.outputs.entry(r.topic.to_string()).or_default().push_back(r);
        }
        read
    }

    /// Flushes every task's stores and processes what that writes to topics the
    /// topology reads, pass after pass, until a pass writes nothing to them: then every
    /// task's stores were flushed after the last record it processed.
    fn commit(&mut self) -> Result<()> {
        loop {
            let mut quiet = true;
            for t in 0..self.tasks.len() {
                let task = &mut self.tasks[t];
                task.commit_state(true)?;
                let produced = task.take_output();
                let stream_time = task.ctx.stream_time;
                let read = self.deliver(produced, stream_time);
                if !read.is_empty() {
                    quiet = false;
                    self.process(read.into())?;
                }
            }
            if quiet {
                return Ok(());
            }
        }
    }

    /// Store `name` of the task that has it (global stores are in the tasks that read
    /// them).
    fn task_store(&self, name: &str) -> Option<&TaskStore> {
        self.tasks.iter().find_map(|task| task.ctx.stores.get(name))
    }
}

impl std::fmt::Debug for TopologyTestDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("TopologyTestDriver");
        match self.inner.try_borrow() {
            Ok(inner) => {
                let mut stores: Vec<&str> = inner
                    .tasks
                    .iter()
                    .flat_map(|t| t.ctx.stores.keys().map(String::as_str))
                    .collect();
                stores.sort_unstable();
                stores.dedup();
                let mut topics: Vec<&str> = inner.readers.keys().map(String::as_str).collect();
                topics.sort_unstable();
                debug
                    .field("tasks", &inner.tasks.len())
                    .field("input_topics", &topics)
                    .field("stores", &stores)
                    .field("wall_clock_ms", &inner.wall)
                    .field("commit", &inner.commit)
            }
            Err(_) => debug.field("state", &"(processing)"),
        };
        debug.finish()
    }
}
