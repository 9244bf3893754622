//! [`KafkaStreams`]: the running application, its stream threads and its queryable
//! stores.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use streamlog::time::{Clock, SystemClock};
use streamlog::{Cluster, TopicConfig};

use crate::store::window::{KeyLayout, Segmentation};
use crate::store::{SessionStore, WindowStore};

use super::StateRestoreListener;
use super::fault::FaultHook;
use super::global::GlobalThread;
use super::lifecycle::{Lifecycle, StreamThreadExceptionResponse, StreamsState};
use super::metadata::{KeyQueryMetadata, MetadataView, StreamsMetadata, ThreadMetadata, metadata_topic};
use super::shared::{Shared, StoreRegistry};
use super::task::{TaskId, changelog_topic};
use super::thread::{SteppedThread, register_stream_thread, spawn_stream_thread};
use crate::config::StreamsConfig;
use crate::dsl::Topology;
use crate::error::{Error, Result};
use crate::graph::TopicName;
use crate::store::{
    InMemoryBackend, KeyValueStore, ReadOnlyKeyValueStore, ReadOnlyTimestampedKeyValueStore, StateStore,
    StoreHandle, TimestampedKeyValueStore, ValueLayout,
};

/// A running topology: `N` stream threads in one consumer group (`application.id`),
/// one task per partition of each sub-topology, stores restored from their changelogs.
///
/// ```
/// use std::time::Duration;
/// use kstream::{Consumed, KafkaStreams, Produced, StreamsBuilder, StreamsConfig, StringSerde};
/// use streamlog::{Cluster, ClientConfig, ProducerRecord, TopicConfig};
///
/// let cluster = Cluster::embedded();
/// let admin = cluster.admin().unwrap();
/// admin.create_topic("in", &TopicConfig::new(2)).unwrap();
/// admin.create_topic("out", &TopicConfig::new(2)).unwrap();
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("in", Consumed::with(StringSerde, StringSerde))
///     .map_values(|v| v.to_uppercase())
///     .to("out", Produced::with(StringSerde, StringSerde));
/// let config = StreamsConfig::new("upper").commit_interval(Duration::from_millis(50));
/// let mut app = KafkaStreams::new(builder.build().unwrap(), cluster.clone(), config).unwrap();
/// app.start().unwrap();
/// let producer = cluster.producer(&ClientConfig::new()).unwrap();
/// producer.send(ProducerRecord::new("in").key("k").value("hello")).unwrap();
/// producer.flush(Duration::from_secs(5)).unwrap();
/// app.wait_until_caught_up(Duration::from_secs(10)).unwrap();
/// assert!(app.close(Duration::from_secs(10)));
/// ```
pub struct KafkaStreams {
    shared: Arc<Shared>,
    /// What the instances announced about themselves, read on demand.
    metadata: Mutex<MetadataView>,
}

impl std::fmt::Debug for KafkaStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaStreams")
            .field("application_id", &self.shared.config.application_id)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl KafkaStreams {
    /// Checks the configuration (an error names the first key whose value does not
    /// fit) and the topology against the log: source topics exist, co-partitioned topics
    /// have equal partition counts; creates the internal topics (repartition topics,
    /// compacted changelogs). The threads go by the system's clock.
    pub fn new(topology: Topology, cluster: Cluster, config: StreamsConfig) -> Result<Self> {
        Self::with_clock(topology, cluster, config, SystemClock)
    }

    /// As [`KafkaStreams::new`], with the threads going by `clock` (Kafka Streams'
    /// `Time`): commit and checkpoint intervals, wall-clock punctuation and the time it
    /// passes to punctuators, how long a task waits for a lagging partition, restore and
    /// and bootstrap deadlines. Calls that block the caller (polls,
    /// [`KafkaStreams::wait_until_caught_up`], [`KafkaStreams::close`]) wait real time.
    pub fn with_clock(
        topology: Topology,
        cluster: Cluster,
        config: StreamsConfig,
        clock: impl Clock + 'static,
    ) -> Result<Self> {
        let config = config.resolve()?;
        let admin = cluster.admin()?;
        let graph = &topology.graph;
        let app = &config.application_id;
        let groups = graph.subtopologies();
        let mut topic_subtopology = HashMap::new();
        let mut partition_counts = HashMap::new();
        let mut max_partitions = 1;
        for group in &groups {
            for t in graph.source_topics(group) {
                if let TopicName::User(name) = &t {
                    let n = admin.partition_count(name)?;
                    max_partitions = max_partitions.max(n);
                    partition_counts.insert(name.clone(), n);
                }
            }
        }
        let existing = admin.list_topics()?;
        for t in graph.internal_topics() {
            let name = t.resolve(app);
            if !existing.contains(&name) {
                // As in Kafka Streams: an internal topic read with user topics is
                // co-partitioned with them; any other gets as many partitions as the
                // largest input topic.
                let partitions = graph
                    .internal_partition_count(&t)
                    .or_else(|| copartitioned_count(graph, &groups, &t, &partition_counts))
                    .unwrap_or(max_partitions);
                admin.create_topic(&name, &TopicConfig::new(partitions))?;
            }
            partition_counts.insert(name.clone(), admin.partition_count(&name)?);
        }
        for (i, group) in groups.iter().enumerate() {
            let topics: Vec<String> = graph
                .source_topics(group)
                .iter()
                .map(|t| t.resolve(app))
                .collect();
            let counts: Vec<i32> = topics.iter().map(|t| partition_counts[t]).collect();
            if counts.windows(2).any(|w| w[0] != w[1]) {
                return Err(Error::CoPartitioning { topics, counts });
            }
            for store in graph.group_stores(group) {
                if graph.stores[&store].logged {
                    let changelog = changelog_topic(app, &store);
                    if !existing.contains(&changelog) {
                        let config = changelog_config(&graph.stores[&store], counts[0]);
                        admin.create_topic(&changelog, &config)?;
                    }
                }
            }
            for t in topics {
                topic_subtopology.insert(t, i);
            }
        }
        if config.application_server.is_some() || config.num_standby_replicas > 0 {
            let topic = metadata_topic(app);
            if !existing.contains(&topic) {
                match admin.create_topic(&topic, &TopicConfig::new(1).compacted()) {
                    // Another instance made it at the same time.
                    Ok(()) | Err(streamlog::Error::TopicAlreadyExists { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        for node in &graph.nodes {
            if let crate::graph::NodeKind::Sink(Some(TopicName::User(t))) = &node.kind
                && let Ok(n) = admin.partition_count(t)
            {
                partition_counts.insert(t.clone(), n);
            }
        }
        let mut global_stores = HashMap::new();
        let mut registry: StoreRegistry = HashMap::new();
        for (topic, store) in &graph.globals {
            admin.partition_count(topic)?;
            let s = Arc::new(StateStore::new(
                store,
                Box::new(InMemoryBackend::default()),
                None,
                ValueLayout::Timestamped,
            ));
            let everywhere = TaskId {
                subtopology: usize::MAX,
                partition: -1,
            };
            registry
                .entry(store.clone())
                .or_default()
                .push((everywhere, s.clone()));
            global_stores.insert(store.clone(), s);
        }
        Ok(Self {
            shared: Arc::new(Shared {
                topology,
                config,
                cluster,
                clock: Arc::new(clock),
                topic_subtopology,
                partition_counts,
                stores: RwLock::new(registry),
                global_stores,
                lifecycle: Lifecycle::default(),
                shutdown: AtomicBool::new(false),
                threads: Mutex::new(Vec::new()),
                thread_counter: AtomicUsize::new(0),
                process_id: Default::default(),
                faults: Default::default(),
                announcer: Default::default(),
                thread_metadata: Default::default(),
            }),
            metadata: Default::default(),
        })
    }

    /// Calls `listener(new, old)` at each change of [`KafkaStreams::state`], in the
    /// order of the changes, on the thread that made it (a stream thread, or the one
    /// calling `start` or `close`). Only before [`KafkaStreams::start`]: later it is an
    /// [`Error::InvalidState`].
    pub fn set_state_listener(
        &mut self,
        listener: impl Fn(StreamsState, StreamsState) + Send + Sync + 'static,
    ) -> Result<()> {
        self.shared.lifecycle.set_listener(Arc::new(listener))
    }

    /// Tells `listener` of every store restored from its changelog: when each starts,
    /// after each batch, and when it ends (Kafka Streams'
    /// `setGlobalStateRestoreListener`). Only before [`KafkaStreams::start`]: later it
    /// is an [`Error::InvalidState`].
    pub fn set_global_state_restore_listener(
        &mut self,
        listener: impl StateRestoreListener + 'static,
    ) -> Result<()> {
        self.shared.lifecycle.set_restore_listener(Arc::new(listener))
    }

    /// Decides what happens when a thread fails (a processor's error, a serde's, the
    /// log's): `handler` gets the error and answers with a
    /// [`StreamThreadExceptionResponse`]. Without a handler the client shuts down
    /// ([`StreamThreadExceptionResponse::ShutdownClient`]), as in Kafka Streams. Only
    /// before [`KafkaStreams::start`]: later it is an [`Error::InvalidState`].
    pub fn set_uncaught_exception_handler(
        &mut self,
        handler: impl Fn(&Error) -> StreamThreadExceptionResponse + Send + Sync + 'static,
    ) -> Result<()> {
        self.shared.lifecycle.set_handler(Arc::new(handler))
    }

    /// Starts the application (`Created` to `Rebalancing`): bootstraps the global
    /// tables, then starts the stream threads. Once every stream thread runs the tasks
    /// the group gave it, the application is `Running`. Starting twice is an
    /// [`Error::InvalidState`].
    pub fn start(&mut self) -> Result<()> {
        self.shared.lifecycle.start()?;
        if !self.shared.topology.graph.globals.is_empty() {
            let global = GlobalThread::new(self.shared.clone()).and_then(|mut global| {
                global.bootstrap()?;
                Ok(global)
            });
            if let Err(error) = global.and_then(GlobalThread::spawn) {
                let name = format!("{}-GlobalStreamThread", self.shared.config.application_id);
                return Err(self.fail_to_start(name, error));
            }
        }
        let names: Vec<String> = (0..self.shared.config.num_stream_threads)
            .map(|_| register_stream_thread(&self.shared))
            .collect();
        let mut names = names.into_iter();
        while let Some(name) = names.next() {
            if let Err(error) = spawn_stream_thread(&self.shared, name.clone()) {
                for never_started in names {
                    self.shared.lifecycle.thread_stopped(Some(&never_started));
                }
                return Err(self.fail_to_start(name, error));
            }
        }
        Ok(())
    }

    /// Starts the application with one stream thread that its caller steps on its own
    /// thread ([`SteppedThread`]), for a [simulation](crate::sim): no OS thread, no
    /// timing but the application's clock. Global tables need their own thread and
    /// are refused here.
    pub(crate) fn start_stepped(&mut self) -> Result<SteppedThread> {
        if !self.shared.topology.graph.globals.is_empty() {
            return Err(Error::NotSimulable {
                reason: "global tables run on a thread of their own; a simulation steps stream threads only"
                    .into(),
            });
        }
        self.shared.lifecycle.start()?;
        let name = register_stream_thread(&self.shared);
        SteppedThread::new(self.shared.clone(), name)
    }

    /// Lets a simulation inject faults at the threads' fault points; only before
    /// the threads start.
    pub(crate) fn set_fault_hook(&mut self, hook: FaultHook) {
        // A second hook is ignored: a simulation sets one per handle.
        let _ = self.shared.faults.set(hook);
    }

    /// The topics the application reads (repartition topics included, resolved).
    pub(crate) fn source_topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.shared.topic_subtopology.keys().cloned().collect();
        topics.sort();
        topics
    }

    /// A thread could not start: the application goes to `Error` (once the threads
    /// started so far stop).
    fn fail_to_start(&self, thread: String, error: Error) -> Error {
        tracing::error!(thread, %error, "cannot start the thread");
        let error = Arc::new(error);
        self.shared.lifecycle.fail(&thread, error.clone());
        self.shared.shutdown.store(true, Ordering::SeqCst);
        Error::ThreadFailed {
            thread,
            source: error,
        }
    }

    /// The application's state.
    pub fn state(&self) -> StreamsState {
        self.shared.lifecycle.state()
    }

    /// The local instances of the store of `handle`, queried as one while the
    /// topology runs. A handle of another topology's store is
    /// [`Error::NoSuchStore`].
    pub fn store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<ReadOnlyKeyValueStore<K, V>> {
        let (name, instances) = self.instances(handle)?;
        let parts = instances
            .into_iter()
            .map(|s| KeyValueStore::new(s, handle.keys.clone(), handle.values.clone()))
            .collect();
        Ok(ReadOnlyKeyValueStore::new(&name, parts))
    }

    /// [`store`](Self::store) with each value's timestamp: the stores of tables and
    /// aggregations, and processor API stores declared with
    /// [`Materialized::timestamped`](crate::Materialized::timestamped).
    pub fn timestamped_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<ReadOnlyTimestampedKeyValueStore<K, V>> {
        let (name, instances) = self.instances(handle)?;
        let parts = instances
            .into_iter()
            .map(|s| TimestampedKeyValueStore::new(s, handle.keys.clone(), handle.values.clone()))
            .collect::<Result<_>>()?;
        Ok(ReadOnlyTimestampedKeyValueStore::new(&name, parts))
    }

    /// The name of the store of `handle` and its local instances.
    /// The local instances of the window store of `handle` (one per task): the store
    /// of a time-windowed or sliding-window aggregation, for interactive queries.
    pub fn window_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<Vec<WindowStore<K, V>>> {
        let (instances, segments) = self.windowed(handle, KeyLayout::Window)?;
        Ok(instances
            .into_iter()
            .map(|s| WindowStore::new(s, handle.keys.clone(), handle.values.clone(), segments.window_ms))
            .collect())
    }

    /// The local instances of the session store of `handle` (one per task): the store
    /// of a session-windowed aggregation, for interactive queries.
    pub fn session_store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<Vec<SessionStore<K, V>>> {
        let (instances, _) = self.windowed(handle, KeyLayout::Session)?;
        Ok(instances
            .into_iter()
            .map(|s| SessionStore::new(s, handle.keys.clone(), handle.values.clone()))
            .collect())
    }

    /// The local instances of the store of `handle`, which must be a windowed store of
    /// `layout`, and how it is cut into segments.
    fn windowed<K, V>(
        &self,
        handle: &StoreHandle<K, V>,
        layout: KeyLayout,
    ) -> Result<(Vec<Arc<StateStore>>, Segmentation)> {
        let (name, instances) = self.instances(handle)?;
        match self
            .shared
            .topology
            .graph
            .stores
            .get(&name)
            .and_then(|spec| spec.segments)
        {
            Some(s) if s.layout == layout => Ok((instances, s)),
            _ => Err(Error::Store {
                store: name,
                source: crate::store::StoreError::NotWindowed {
                    kind: match layout {
                        KeyLayout::Window => "window",
                        KeyLayout::Session => "session",
                    },
                },
            }),
        }
    }

    fn instances<K, V>(&self, handle: &StoreHandle<K, V>) -> Result<(String, Vec<Arc<StateStore>>)> {
        let name = handle
            .name()
            .filter(|name| (self.shared.topology.graph.stores.get(*name)).is_some_and(|spec| spec.is(handle)))
            .ok_or_else(|| Error::NoSuchStore(handle.label()))?;
        let instances = self
            .shared
            .stores
            .read()
            .get(name)
            .map(|instances| instances.iter().map(|(_, s)| s.clone()).collect())
            .unwrap_or_default();
        Ok((name.to_owned(), instances))
    }

    /// Where `key` of the store of `handle` lives (Kafka Streams'
    /// `queryMetadataForKey`): the `application.server` of the instance running the
    /// task of the key's partition (the key serialized by the store's key serde and
    /// placed by Kafka's default partitioner), from what the instances announced.
    /// `None` while no instance has announced that task. Needs `application.server`
    /// ([`Error::NoApplicationServer`]).
    pub fn query_metadata_for_key<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
        key: &K,
    ) -> Result<Option<KeyQueryMetadata>> {
        if self.shared.config.application_server.is_none() {
            return Err(Error::NoApplicationServer);
        }
        let (name, _) = self.instances(handle)?;
        let graph = &self.shared.topology.graph;
        let Some(subtopology) = graph
            .subtopologies()
            .iter()
            .position(|group| graph.group_stores(group).contains(&name))
        else {
            return Err(Error::NoSuchStore(name));
        };
        let changelog = changelog_topic(&self.shared.config.application_id, &name);
        let bytes = handle
            .keys
            .serialize(&changelog, key)
            .map_err(|source| Error::Serialize {
                topic: changelog.clone(),
                source,
            })?
            .unwrap_or_default();
        let partitions = self
            .shared
            .topic_subtopology
            .iter()
            .find(|(_, s)| **s == subtopology)
            .and_then(|(topic, _)| self.shared.partition_counts.get(topic))
            .copied()
            .unwrap_or(1);
        let partition = streamlog::partitioner::partition_for_key(&bytes, partitions);
        let mut view = self.metadata.lock();
        view.refresh(&self.shared)?;
        Ok(view
            .owner(TaskId {
                subtopology,
                partition,
            })
            .map(|active_host| KeyQueryMetadata {
                active_host,
                partition,
            }))
    }

    /// This instance's stream threads with their active and standby tasks (Kafka
    /// Streams' `metadataForLocalThreads`).
    pub fn metadata_for_local_threads(&self) -> Vec<ThreadMetadata> {
        self.shared.thread_metadata.lock().values().cloned().collect()
    }

    /// Every instance of the application that announced itself, with its tasks'
    /// stores and input partitions (Kafka Streams' `metadataForAllStreamsClients`).
    /// Needs `application.server` ([`Error::NoApplicationServer`]).
    pub fn metadata_for_all_clients(&self) -> Result<Vec<StreamsMetadata>> {
        if self.shared.config.application_server.is_none() {
            return Err(Error::NoApplicationServer);
        }
        let mut view = self.metadata.lock();
        view.refresh(&self.shared)?;
        let graph = &self.shared.topology.graph;
        let groups = graph.subtopologies();
        Ok(view
            .instances()
            .into_iter()
            .map(|(host, tasks)| {
                let mut state_store_names = std::collections::BTreeSet::new();
                let mut topic_partitions = std::collections::BTreeSet::new();
                for task in tasks {
                    if let Some(group) = groups.get(task.subtopology) {
                        state_store_names.extend(graph.group_stores(group));
                    }
                    for (topic, s) in &self.shared.topic_subtopology {
                        if *s == task.subtopology {
                            topic_partitions
                                .insert(streamlog::TopicPartition::new(topic.as_str(), task.partition));
                        }
                    }
                }
                StreamsMetadata {
                    host,
                    state_store_names,
                    topic_partitions,
                }
            })
            .collect())
    }

    /// The entries of the local instances of store `name` as bytes, in key order: a
    /// read of any store without its types, for tools and golden-file comparisons.
    pub fn raw_store(&self, name: &str) -> Result<Vec<(Bytes, Bytes)>> {
        if !self.shared.topology.graph.stores.contains_key(name) {
            return Err(Error::NoSuchStore(name.to_owned()));
        }
        let instances: Vec<Arc<StateStore>> = self
            .shared
            .stores
            .read()
            .get(name)
            .map(|instances| instances.iter().map(|(_, s)| s.clone()).collect())
            .unwrap_or_default();
        let mut entries = Vec::new();
        for store in instances {
            entries.extend(store.range(Bound::Unbounded, Bound::Unbounded)?);
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }

    /// Waits until the group has committed every record of every source topic
    /// (repartition topics included), or fails after `timeout` (real time, whatever
    /// the application's clock: the call holds the calling thread). Fails at once when
    /// a thread's failure stopped the application ([`Error::ThreadFailed`]) or when it
    /// is not started or closed ([`Error::InvalidState`]).
    pub fn wait_until_caught_up(&self, timeout: Duration) -> Result<()> {
        let admin = self.shared.cluster.admin()?;
        let started = Instant::now();
        loop {
            match self.state() {
                StreamsState::Rebalancing | StreamsState::Running => {}
                StreamsState::PendingError | StreamsState::Error => {
                    return Err(self.shared.lifecycle.failure().unwrap_or(Error::InvalidState {
                        operation: "wait until caught up",
                        state: StreamsState::Error,
                    }));
                }
                state => {
                    return Err(Error::InvalidState {
                        operation: "wait until caught up",
                        state,
                    });
                }
            }
            let mut lag = 0;
            for topic in self.shared.topic_subtopology.keys() {
                lag += admin
                    .lag(&self.shared.config.application_id, topic)?
                    .iter()
                    .map(|l| l.lag)
                    .sum::<i64>();
            }
            if lag == 0 {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(Error::NotRunning(format!(
                    "still {lag} records behind after {timeout:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the application (Kafka Streams' `close(Duration)`): `PendingShutdown`,
    /// the stream threads commit and leave the group, then `NotRunning`. `true` when
    /// every thread stopped within `timeout` (real time), `false` when
    /// some still run (they go on stopping; a later `close` waits for them again).
    /// Closing an application that stopped already (`NotRunning`, or `Error` after a
    /// thread's failure) returns `true` at once.
    pub fn close(&self, timeout: Duration) -> bool {
        self.shared.lifecycle.shut_down();
        self.shared.shutdown.store(true, Ordering::SeqCst);
        if !self.shared.lifecycle.wait_until_stopped(timeout) {
            return false;
        }
        // Every thread has said it stopped: joining only waits for it to return.
        let threads = std::mem::take(&mut *self.shared.threads.lock());
        for thread in threads {
            let _ = thread.join();
        }
        true
    }

    /// Deletes this application's local state (Kafka Streams' `cleanUp`): the
    /// directory `state.dir/application.id`, with the persistent stores and
    /// checkpoints of every task, so the next start restores all stores from their
    /// changelogs. Only while no thread runs (before `start`, or once `NotRunning` or
    /// `Error`): otherwise an [`Error::InvalidState`].
    pub fn clean_up(&self) -> Result<()> {
        let state = self.state();
        if state != StreamsState::Created && !state.has_completed_shutdown() {
            return Err(Error::InvalidState {
                operation: "clean up the local state",
                state,
            });
        }
        let path = self.shared.app_dir();
        match std::fs::remove_dir_all(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::StateDirectory { path, source }),
        }
    }
}

impl Drop for KafkaStreams {
    /// Closes the application, waiting for its threads as long as they take.
    fn drop(&mut self) {
        self.close(Duration::MAX);
    }
}

/// The partition count of the user topics read in the sub-topology that reads the
/// internal topic `topic`, if it reads any.
fn copartitioned_count(
    graph: &crate::graph::Graph,
    groups: &[Vec<usize>],
    topic: &TopicName,
    partition_counts: &HashMap<String, i32>,
) -> Option<i32> {
    let sources = groups
        .iter()
        .map(|g| graph.source_topics(g))
        .find(|sources| sources.contains(topic))?;
    sources
        .iter()
        .filter_map(|t| match t {
            TopicName::User(name) => partition_counts.get(name).copied(),
            TopicName::Internal(_) => None,
        })
        .max()
}

/// The config of the changelog topic of `spec` with `partitions`, as Kafka Streams
/// makes it: compacted; a window or session store's also deleted after its retention
/// plus a day (`windowstore.changelog.additional.retention.ms`), and a stream-stream
/// join's (which keeps duplicates, so compaction would lose records) deleted only.
fn changelog_config(spec: &crate::store::StoreSpec, partitions: i32) -> TopicConfig {
    const ADDITIONAL_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;
    let Some(segments) = spec.segments else {
        return TopicConfig::new(partitions).compacted();
    };
    let retention = segments
        .retention_ms
        .saturating_add(ADDITIONAL_RETENTION_MS)
        .to_string();
    let policy = if segments.duplicates {
        "delete"
    } else {
        "compact,delete"
    };
    TopicConfig::new(partitions)
        .set("cleanup.policy", policy)
        .set("retention.ms", retention)
}
