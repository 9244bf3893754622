//! The embedded backend: an in-process, thread-safe log cluster with no external
//! service. Topics with partitions, consumer groups with rebalancing, committed offsets,
//! compaction, retention and transactions, all in memory.

mod admin;
mod chunks;
mod consumer;
mod group;
mod log;
mod notify;
mod producer;
mod topics;
mod txn;

use std::sync::Arc;

use crate::client::{Admin, Consumer, Producer};
use crate::cluster::{Backend, Cluster};
use crate::config::{ClientConfig, TopicConfig};
use crate::error::{Error, Result};
use crate::time::{Clock, SystemClock};

use self::group::Groups;
use self::log::StoredRecord;
use self::notify::Notifier;
use self::topics::{TopicLog, Topics};
use self::txn::{Ending, Transactions};

/// Client properties the embedded backend accepts. Most producer tuning keys are
/// accepted and have no effect in memory; security keys are accepted so one
/// configuration serves both backends.
const KNOWN_CLIENT_KEYS: &[&str] = &[
    "bootstrap.servers",
    "client.id",
    "group.id",
    "group.instance.id",
    "auto.offset.reset",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "enable.auto.offset.store",
    "isolation.level",
    "max.poll.interval.ms",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "partition.assignment.strategy",
    "fetch.min.bytes",
    "fetch.max.wait.ms",
    "fetch.wait.max.ms",
    "enable.partition.eof",
    "transactional.id",
    "transaction.timeout.ms",
    "acks",
    "linger.ms",
    "batch.size",
    "batch.num.messages",
    "compression.type",
    "enable.idempotence",
    "message.max.bytes",
    "max.request.size",
    "retries",
    "delivery.timeout.ms",
    "message.timeout.ms",
    "queue.buffering.max.messages",
    "partitioner",
    "security.protocol",
];

const KNOWN_CLIENT_PREFIXES: &[&str] = &["sasl.", "ssl."];

/// An in-process log cluster. Cloning shares it.
///
/// ```
/// use streamlog::{embedded::EmbeddedCluster, time::ManualClock};
/// let clock = ManualClock::new(0);
/// let cluster = EmbeddedCluster::builder().clock(clock.clone()).auto_create_topics(3).build();
/// let log = cluster.cluster();
/// assert_eq!(log.backend_name(), "embedded");
/// ```
#[derive(Debug, Clone)]
pub struct EmbeddedCluster {
    shared: Arc<Shared>,
}

/// Options of an [`EmbeddedCluster`].
#[derive(Debug)]
pub struct EmbeddedClusterBuilder {
    clock: Arc<dyn Clock>,
    auto_create_partitions: Option<i32>,
    cleaner_min_dirty: usize,
}

impl EmbeddedClusterBuilder {
    /// The clock for timestamps, retention, auto-commit and timeouts.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Creates unknown topics on first use with this many partitions, like a broker with
    /// `auto.create.topics.enable=true`. Off by default: an unknown topic is an error.
    pub fn auto_create_topics(mut self, partitions: i32) -> Self {
        self.auto_create_partitions = Some(partitions);
        self
    }

    /// How many records a partition of a compacted topic takes between cleanings, at
    /// least (default 1024; `min.cleanable.dirty.ratio` applies too).
    pub fn cleaner_min_dirty_records(mut self, records: usize) -> Self {
        self.cleaner_min_dirty = records.max(1);
        self
    }

    /// The cluster.
    pub fn build(self) -> EmbeddedCluster {
        EmbeddedCluster {
            shared: Arc::new(Shared {
                topics: Topics::default(),
                groups: Groups::default(),
                txns: Transactions::default(),
                notifier: Notifier::default(),
                clock: self.clock,
                auto_create_partitions: self.auto_create_partitions,
                cleaner_min_dirty: self.cleaner_min_dirty,
            }),
        }
    }
}

impl Default for EmbeddedCluster {
    fn default() -> Self {
        Self::new()
    }
}

impl EmbeddedCluster {
    /// A cluster with the system clock and no topics.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Options.
    pub fn builder() -> EmbeddedClusterBuilder {
        EmbeddedClusterBuilder {
            clock: Arc::new(SystemClock),
            auto_create_partitions: None,
            cleaner_min_dirty: 1024,
        }
    }

    /// A [`Cluster`] handle on this cluster.
    pub fn cluster(&self) -> Cluster {
        Cluster::from_backend(Arc::new(self.clone()))
    }

    /// Compacts every partition of a compacted topic now, as the log cleaner would.
    pub fn compact(&self, topic: &str) -> Result<()> {
        let topic = self.shared.topic(topic)?;
        if !topic.settings.cleanup_policy.compacts() {
            return Err(Error::IllegalState {
                reason: format!("topic `{}` is not compacted (cleanup.policy)", topic.name),
            });
        }
        let now = self.shared.clock.now_millis();
        for partition in &topic.partitions {
            partition.lock().compact(&topic.settings, now);
        }
        Ok(())
    }

    /// How many records a partition holds now (after compaction and retention).
    pub fn stored_records(&self, topic: &str, partition: i32) -> Result<usize> {
        Ok(self.shared.topic(topic)?.partition(partition)?.lock().len())
    }
}

impl crate::sealed::Sealed for EmbeddedCluster {}

impl Backend for EmbeddedCluster {
    fn name(&self) -> &'static str {
        "embedded"
    }

    fn admin(&self, config: &ClientConfig) -> Result<Box<dyn Admin>> {
        check_client_keys(config)?;
        Ok(Box::new(admin::EmbeddedAdmin::new(self.shared.clone())))
    }

    fn producer(&self, config: &ClientConfig) -> Result<Box<dyn Producer>> {
        check_client_keys(config)?;
        Ok(Box::new(producer::EmbeddedProducer::new(
            self.shared.clone(),
            config,
        )?))
    }

    fn consumer(&self, config: &ClientConfig) -> Result<Box<dyn Consumer>> {
        check_client_keys(config)?;
        Ok(Box::new(consumer::EmbeddedConsumer::new(
            self.shared.clone(),
            config,
        )?))
    }
}

fn check_client_keys(config: &ClientConfig) -> Result<()> {
    config.check_keys(KNOWN_CLIENT_KEYS, KNOWN_CLIENT_PREFIXES)
}

/// State shared by every client of one embedded cluster.
#[derive(Debug)]
pub(crate) struct Shared {
    topics: Topics,
    groups: Groups,
    txns: Transactions,
    notifier: Notifier,
    clock: Arc<dyn Clock>,
    auto_create_partitions: Option<i32>,
    cleaner_min_dirty: usize,
}

impl Shared {
    fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// A topic by name, created on first use if the cluster is set to.
    fn topic(&self, name: &str) -> Result<Arc<TopicLog>> {
        if let Some(topic) = self.topics.get(name) {
            return Ok(topic);
        }
        match self.auto_create_partitions {
            Some(partitions) => match self.topics.create(name, &TopicConfig::new(partitions)) {
                Err(Error::TopicAlreadyExists { .. }) => self.topic(name),
                other => other,
            },
            None => Err(Error::UnknownTopic { topic: name.into() }),
        }
    }

    /// Topic metadata for group assignment: incarnation and partition count.
    fn topic_meta(&self, name: &str) -> Option<(u64, i32)> {
        self.topics
            .get(name)
            .map(|t| (t.incarnation, t.partition_count()))
    }

    /// Writes the markers of an ending transaction and, on commit, its offsets.
    fn finish_transaction(&self, ending: Ending) {
        let Ending { txn, commit } = ending;
        txn.marker.complete(commit);
        let now = self.now();
        for (topic, partition) in &txn.partitions {
            if topic.is_deleted() {
                continue;
            }
            let Ok(log) = topic.partition(*partition) else {
                continue;
            };
            let marker = StoredRecord {
                offset: -1,
                timestamp: now,
                appended_at: now,
                key: None,
                value: None,
                headers: crate::record::Headers::new(),
                txn: Some(txn.marker.clone()),
                control: true,
            };
            topic.append(&mut log.lock(), marker, now, self.cleaner_min_dirty);
        }
        if commit {
            for (group, tp, offset) in &txn.offsets {
                // Outside group management, as Kafka's TxnOffsetCommit without member id.
                let _ = self.groups.commit(group, None, &[(tp.clone(), offset.clone())]);
            }
        }
        self.notifier.notify();
    }

    /// Aborts transactions past their timeout.
    fn expire_transactions(&self) {
        for ending in self.txns.expire(self.now()) {
            self.finish_transaction(ending);
        }
    }
}
