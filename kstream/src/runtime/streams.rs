//! [`KafkaStreams`]: the running application, its stream threads and its queryable
//! stores.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use streamlog::{Cluster, TopicConfig};

use super::global::GlobalThread;
use super::task::{TaskId, changelog_topic};
use super::thread::StreamThread;
use crate::config::StreamsConfig;
use crate::dsl::Topology;
use crate::error::{Error, Result};
use crate::graph::TopicName;
use crate::store::{InMemoryBackend, KeyValueStore, ReadOnlyKeyValueStore, StateStore, StoreHandle};

/// Where the application is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamsState {
    /// Built, not started.
    Created,
    /// Stream threads are processing.
    Running,
    /// A stream thread stopped with this error.
    Error(String),
    /// Closed.
    NotRunning,
}

/// The local instances of each store, by store name.
pub(crate) type StoreRegistry = HashMap<String, Vec<(TaskId, Arc<StateStore>)>>;

/// What the threads share with the application handle.
pub(crate) struct Shared {
    pub(crate) topology: Topology,
    pub(crate) config: StreamsConfig,
    pub(crate) cluster: Cluster,
    /// Source topics (resolved) to their sub-topology.
    pub(crate) topic_subtopology: HashMap<String, usize>,
    /// Partition counts of every topic the topology writes to.
    pub(crate) partition_counts: HashMap<String, i32>,
    pub(crate) stores: RwLock<StoreRegistry>,
    /// Global tables' stores, by store name.
    pub(crate) global_stores: HashMap<String, Arc<StateStore>>,
    pub(crate) state: Mutex<StreamsState>,
    pub(crate) shutdown: AtomicBool,
}

impl Shared {
    /// The directory of a task's persistent state.
    pub(crate) fn task_dir(&self, task: TaskId) -> PathBuf {
        self.config
            .state_dir
            .join(&self.config.application_id)
            .join(task.to_string())
    }
}

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
/// let config = StreamsConfig::new("upper").set("commit.interval.ms", "50").unwrap();
/// let mut app = KafkaStreams::new(builder.build().unwrap(), cluster.clone(), config).unwrap();
/// app.start().unwrap();
/// let producer = cluster.producer(&ClientConfig::new()).unwrap();
/// producer.send(ProducerRecord::new("in").key("k").value("hello")).unwrap();
/// producer.flush(Duration::from_secs(5)).unwrap();
/// app.wait_until_caught_up(Duration::from_secs(10)).unwrap();
/// app.close().unwrap();
/// ```
pub struct KafkaStreams {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl KafkaStreams {
    /// Checks the topology against the log: source topics exist, co-partitioned topics
    /// have equal partition counts; creates the internal topics (repartition topics,
    /// compacted changelogs).
    pub fn new(topology: Topology, cluster: Cluster, config: StreamsConfig) -> Result<Self> {
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
                admin.create_topic(&name, &TopicConfig::new(max_partitions))?;
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
                        admin.create_topic(&changelog, &TopicConfig::new(counts[0]).compacted())?;
                    }
                }
            }
            for t in topics {
                topic_subtopology.insert(t, i);
            }
        }
        for node in &graph.nodes {
            if let crate::graph::NodeKind::Sink(TopicName::User(t)) = &node.kind
                && let Ok(n) = admin.partition_count(t)
            {
                partition_counts.insert(t.clone(), n);
            }
        }
        let mut global_stores = HashMap::new();
        let mut registry: StoreRegistry = HashMap::new();
        for (topic, store) in &graph.globals {
            admin.partition_count(topic)?;
            let s = Arc::new(StateStore::new(store, Box::new(InMemoryBackend::default()), None));
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
                topic_subtopology,
                partition_counts,
                stores: RwLock::new(registry),
                global_stores,
                state: Mutex::new(StreamsState::Created),
                shutdown: AtomicBool::new(false),
            }),
            threads: Vec::new(),
        })
    }

    /// Starts the stream threads.
    pub fn start(&mut self) -> Result<()> {
        if *self.shared.state.lock() != StreamsState::Created {
            return Err(Error::NotRunning("start was called twice".into()));
        }
        *self.shared.state.lock() = StreamsState::Running;
        if !self.shared.topology.graph.globals.is_empty() {
            let mut global = GlobalThread::new(self.shared.clone())?;
            global.bootstrap()?;
            let shared = self.shared.clone();
            let handle = std::thread::Builder::new()
                .name(format!(
                    "{}-GlobalStreamThread",
                    self.shared.config.application_id
                ))
                .spawn(move || {
                    if let Err(e) = global.run() {
                        tracing::error!(error = %e, "global stream thread stopped");
                        *shared.state.lock() = StreamsState::Error(e.to_string());
                        shared.shutdown.store(true, Ordering::SeqCst);
                    }
                })
                .map_err(|e| Error::NotRunning(format!("cannot start the global thread: {e}")))?;
            self.threads.push(handle);
        }
        for i in 0..self.shared.config.num_stream_threads {
            let shared = self.shared.clone();
            let name = format!("{}-StreamThread-{}", self.shared.config.application_id, i + 1);
            let handle = std::thread::Builder::new()
                .name(name.clone())
                .spawn(move || {
                    let result = StreamThread::new(shared.clone(), name).and_then(|mut t| t.run());
                    if let Err(e) = result {
                        tracing::error!(error = %e, "stream thread stopped");
                        *shared.state.lock() = StreamsState::Error(e.to_string());
                        shared.shutdown.store(true, Ordering::SeqCst);
                    }
                })
                .map_err(|e| Error::NotRunning(format!("cannot start a stream thread: {e}")))?;
            self.threads.push(handle);
        }
        Ok(())
    }

    /// The application's state.
    pub fn state(&self) -> StreamsState {
        self.shared.state.lock().clone()
    }

    /// The local instances of the store of `handle`, queried as one while the
    /// topology runs. A handle of another topology's store is
    /// [`Error::NoSuchStore`].
    pub fn store<K: 'static, V: 'static>(
        &self,
        handle: &StoreHandle<K, V>,
    ) -> Result<ReadOnlyKeyValueStore<K, V>> {
        let name = handle
            .name()
            .filter(|name| (self.shared.topology.graph.stores.get(*name)).is_some_and(|spec| spec.is(handle)))
            .ok_or_else(|| Error::NoSuchStore(handle.label()))?;
        let parts = self
            .shared
            .stores
            .read()
            .get(name)
            .map(|instances| {
                instances
                    .iter()
                    .map(|(_, s)| KeyValueStore::new(s.clone(), handle.keys.clone(), handle.values.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ReadOnlyKeyValueStore::new(name, parts))
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
    /// (repartition topics included), or fails after `timeout`.
    pub fn wait_until_caught_up(&self, timeout: Duration) -> Result<()> {
        let admin = self.shared.cluster.admin()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let StreamsState::Error(e) = self.state() {
                return Err(Error::NotRunning(e));
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
            if Instant::now() > deadline {
                return Err(Error::NotRunning(format!(
                    "still {lag} records behind after {timeout:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Commits and stops the threads (graceful shutdown).
    pub fn close(mut self) -> Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> Result<()> {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let mut state = self.shared.state.lock();
        match std::mem::replace(&mut *state, StreamsState::NotRunning) {
            StreamsState::Error(e) => Err(Error::NotRunning(e)),
            _ => Ok(()),
        }
    }
}

impl Drop for KafkaStreams {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
