//! A stream thread: one consumer in the application's group, the tasks of the
//! partitions it owns, restore before processing, commit at each interval.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use streamlog::{
    Consumer, Offset, OffsetCommitter, Producer, ProducerRecord, RebalanceListener, TopicPartition,
};

use super::partition_group::PartitionGroup;
use super::streams::Shared;
use super::task::{Task, TaskId};

/// How long a task waits for a partition that has data in the log but none fetched,
/// before it processes the other partitions' records anyway.
const MAX_TASK_IDLE: Duration = Duration::from_millis(500);
/// How often persistent stores are made durable and checkpointed (at a commit).
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(10);

/// Kafka Streams' `buffered.records.per.partition`: a partition with this many records
/// waiting is paused.
const BUFFERED_RECORDS_PER_PARTITION: usize = 1000;
use crate::config::RecordHandling;
use crate::error::Result;
use crate::store::{InMemoryBackend, KeyValueBackend, StoreError, StoreKind, StoreSpec};

/// Partition changes seen in the rebalance callbacks, applied after `poll` returns.
#[derive(Default)]
struct Changes {
    assigned: Vec<TopicPartition>,
    revoked: Vec<TopicPartition>,
}

struct Listener(Arc<Mutex<Changes>>);

impl RebalanceListener for Listener {
    fn on_partitions_assigned(&mut self, _: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        self.0.lock().assigned.extend_from_slice(partitions);
    }
    fn on_partitions_revoked(&mut self, _: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        self.0.lock().revoked.extend_from_slice(partitions);
    }
}

pub(crate) struct StreamThread {
    shared: Arc<Shared>,
    name: String,
    consumer: Box<dyn Consumer>,
    producer: Box<dyn Producer>,
    changes: Arc<Mutex<Changes>>,
    tasks: BTreeMap<TaskId, Task>,
    /// Fetched records per task, handed out in timestamp order.
    buffers: BTreeMap<TaskId, PartitionGroup>,
    /// The last end offset seen per input partition.
    ends: HashMap<TopicPartition, i64>,
    admin: Box<dyn streamlog::Admin>,
    paused: BTreeSet<TopicPartition>,
    last_commit: Instant,
    /// When persistent stores were last made durable and checkpointed.
    last_checkpoint: Instant,
    started: Instant,
}

impl StreamThread {
    pub(crate) fn new(shared: Arc<Shared>, name: String) -> Result<Self> {
        let app = shared.config.application_id.clone();
        let consumer_config = shared
            .config
            .client
            .clone()
            .group_id(app.as_str())
            .client_id(name.as_str())
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "false")
            .set("partition.assignment.strategy", "range");
        let mut consumer = shared.cluster.consumer(&consumer_config)?;
        let producer = shared
            .cluster
            .producer(&shared.config.client.clone().client_id(format!("{name}-producer")))?;
        let changes = Arc::new(Mutex::new(Changes::default()));
        let admin = shared.cluster.admin()?;
        let topics: Vec<&str> = shared.topic_subtopology.keys().map(String::as_str).collect();
        consumer.subscribe_with_listener(&topics, Box::new(Listener(changes.clone())))?;
        Ok(Self {
            shared,
            name,
            consumer,
            producer,
            changes,
            tasks: BTreeMap::new(),
            buffers: BTreeMap::new(),
            ends: HashMap::new(),
            admin,
            paused: BTreeSet::new(),
            last_commit: Instant::now(),
            last_checkpoint: Instant::now(),
            started: Instant::now(),
        })
    }

    fn wall(&self) -> i64 {
        self.started.elapsed().as_millis() as i64
    }

    pub(crate) fn run(&mut self) -> Result<()> {
        while !self.shared.shutdown.load(Ordering::SeqCst) {
            let records = self.consumer.poll(Duration::from_millis(100))?;
            self.apply_rebalance()?;
            let wall = self.wall();
            for record in records {
                let Some(id) = self.task_of_record(&record.topic, record.partition) else {
                    continue;
                };
                let (Some(task), Some(group)) = (self.tasks.get_mut(&id), self.buffers.get_mut(&id)) else {
                    continue;
                };
                if group.passes_through() {
                    task.process(&record, wall)?;
                } else {
                    group.push(record);
                }
            }
            self.pause_full_partitions()?;
            let mut commit_now = false;
            let ids: Vec<TaskId> = self.tasks.keys().copied().collect();
            for id in ids {
                let lagging = self.lagging(id)?;
                let (Some(task), Some(group)) = (self.tasks.get_mut(&id), self.buffers.get_mut(&id)) else {
                    continue;
                };
                while let Some(record) = group.next(&lagging, MAX_TASK_IDLE) {
                    task.process(&record, wall)?;
                }
                // A full cache is a commit, not a flush alone: the changelogs never run
                // ahead of the committed input offsets.
                commit_now |= task.cache_full(self.shared.config.cache_max_records);
            }
            for task in self.tasks.values_mut() {
                task.punctuate(crate::processor::PunctuationType::WallClockTime, wall)?;
            }
            self.send_output()?;
            if commit_now || self.last_commit.elapsed() >= self.shared.config.commit_interval {
                let durable = self.last_checkpoint.elapsed() >= CHECKPOINT_INTERVAL;
                self.commit(durable)?;
            }
        }
        self.commit(true)?;
        self.consumer.close()?;
        Ok(())
    }

    /// Pauses the partitions with a full buffer, so the consumer fetches the others
    /// (a task needs the heads of all its partitions to pick by timestamp), and resumes
    /// them once their buffer has drained.
    fn pause_full_partitions(&mut self) -> Result<()> {
        let mut pause = Vec::new();
        let mut resume = Vec::new();
        for group in self.buffers.values() {
            for tp in group.partitions() {
                let full = group.buffered(tp) >= BUFFERED_RECORDS_PER_PARTITION;
                match (full, self.paused.contains(tp)) {
                    (true, false) => pause.push(tp.clone()),
                    (false, true) => resume.push(tp.clone()),
                    _ => {}
                }
            }
        }
        if !pause.is_empty() {
            self.consumer.pause(&pause)?;
            self.paused.extend(pause);
        }
        if !resume.is_empty() {
            self.consumer.resume(&resume)?;
            for tp in &resume {
                self.paused.remove(tp);
            }
        }
        Ok(())
    }

    /// The task's input partitions with more in the log than fetched so far: the task
    /// waits for one of them once its buffer is empty.
    fn lagging(&mut self, id: TaskId) -> Result<BTreeSet<TopicPartition>> {
        let mut lagging = BTreeSet::new();
        let Some(group) = self.buffers.get(&id) else {
            return Ok(lagging);
        };
        if group.partitions().nth(1).is_none() {
            // One partition: there is no order across partitions to wait for.
            return Ok(lagging);
        }
        // A partition with records buffered counts too: it may drain while the task
        // runs, with more in the log not fetched yet (its position, the next offset to
        // fetch, is short of the log's end), and the task must then wait for it rather
        // than run ahead on the others. The log is asked for an end only when the end
        // last seen is reached.
        let (consumer, admin, ends) = (&self.consumer, &self.admin, &mut self.ends);
        for tp in group.partitions() {
            // Nothing fetched yet: the position is the log's start.
            let position = consumer.position(tp).unwrap_or(0);
            let known = ends.get(tp).copied().unwrap_or(0);
            let end = if position < known {
                known
            } else {
                let end = admin.watermarks(tp)?.high;
                ends.insert(tp.clone(), end);
                end
            };
            if position < end {
                lagging.insert(tp.clone());
            }
        }
        Ok(lagging)
    }

    fn send_output(&mut self) -> Result<()> {
        let mut out: Vec<ProducerRecord> = Vec::new();
        for task in self.tasks.values_mut() {
            let produced = task.take_output();
            if out.is_empty() {
                out = produced;
            } else {
                out.extend(produced);
            }
        }
        if !out.is_empty() {
            self.producer.send_batch(out)?;
        }
        Ok(())
    }

    /// At-least-once commit: stores to their changelogs, then everything produced is
    /// flushed, then the input offsets are committed. A `durable` commit also makes
    /// persistent stores durable (RocksDB's memtables to disk) and writes their
    /// checkpoints; the others leave both as they were, which stays consistent: a
    /// restart replays the changelogs from the older checkpoint, and replaying values
    /// already on disk changes nothing.
    fn commit(&mut self, durable: bool) -> Result<()> {
        for task in self.tasks.values_mut() {
            task.flush_stores(durable)?;
        }
        self.send_output()?;
        self.producer.flush(Duration::from_secs(30))?;
        let offsets: Vec<(TopicPartition, i64)> = self.tasks.values().flat_map(Task::consumed).collect();
        if !offsets.is_empty() {
            match self.consumer.commit_offsets(&offsets) {
                // The group is rebalancing or moved a partition: the next commit
                // covers these offsets, or the next owner redoes the records.
                Err(streamlog::Error::CommitFailed { reason, .. }) => {
                    tracing::warn!(thread = %self.name, %reason, "offset commit refused; retried at the next commit");
                    metrics::counter!("kstream_commit_failures_total").increment(1);
                    return Ok(());
                }
                other => other?,
            }
        }
        if durable {
            for task in self.tasks.values() {
                self.write_checkpoint(task)?;
            }
            self.last_checkpoint = Instant::now();
        }
        self.last_commit = Instant::now();
        metrics::counter!("kstream_commits_total").increment(1);
        Ok(())
    }

    fn apply_rebalance(&mut self) -> Result<()> {
        let Changes { assigned, revoked } = std::mem::take(&mut *self.changes.lock());
        let wanted: BTreeSet<TaskId> = assigned.iter().filter_map(|tp| self.task_of(tp)).collect();
        if !revoked.is_empty() {
            // An eager rebalance revokes everything and assigns again: tasks that come
            // back stay, with their stores.
            let gone: BTreeSet<TaskId> = revoked
                .iter()
                .filter_map(|tp| self.task_of(tp))
                .filter(|id| !wanted.contains(id))
                .collect();
            // The partitions are gone already, so their offsets cannot be committed
            // here: the tasks go with what they did since the last commit (neither its
            // store updates nor its offsets were committed), and the next owner
            // processes those records again from the changelogs' state at that commit.
            for id in gone {
                self.buffers.remove(&id);
                self.paused.retain(|tp| {
                    self.shared.topic_subtopology.get(&tp.topic) != Some(&id.subtopology)
                        || tp.partition != id.partition
                });
                let Some(task) = self.tasks.remove(&id) else {
                    continue;
                };
                let mut stores = self.shared.stores.write();
                for mine in &task.stores {
                    if let Some(instances) = stores.get_mut(mine.name()) {
                        instances.retain(|(_, s)| !Arc::ptr_eq(s, mine));
                    }
                }
            }
        }
        for id in wanted {
            if !self.tasks.contains_key(&id) {
                let task = self.create_task(id)?;
                self.tasks.insert(id, task);
            }
        }
        for tp in &assigned {
            if let Some(id) = self.task_of(tp) {
                self.buffers.entry(id).or_default().add_partition(tp.clone());
            }
        }
        Ok(())
    }

    fn task_of(&self, tp: &TopicPartition) -> Option<TaskId> {
        self.task_of_record(&tp.topic, tp.partition)
    }

    fn task_of_record(&self, topic: &str, partition: i32) -> Option<TaskId> {
        self.shared
            .topic_subtopology
            .get(topic)
            .map(|&subtopology| TaskId {
                subtopology,
                partition,
            })
    }

    fn create_task(&mut self, id: TaskId) -> Result<Task> {
        let shared = self.shared.clone();
        let checkpoint = self.read_checkpoint(id);
        let backend = |spec: &StoreSpec, task: TaskId| -> Result<Box<dyn KeyValueBackend>> {
            open_backend(&shared, spec, task, checkpoint.is_some())
        };
        let mut task = Task::new(
            &self.shared.topology,
            &self.shared.config.application_id,
            id,
            RecordHandling::of(&self.shared.config),
            &backend,
            &self.shared.global_stores,
        )?;
        task.ctx.partition_counts = self.shared.partition_counts.clone();
        self.restore(&task, checkpoint.unwrap_or_default())?;
        task.init(self.wall())?;
        let mut stores = self.shared.stores.write();
        for store in &task.stores {
            // The newest owner of a task's store wins; the previous owner removes only
            // its own instance when it lets the task go.
            let instances = stores.entry(store.name().to_owned()).or_default();
            instances.retain(|(t, _)| *t != id);
            instances.push((id, store.clone()));
        }
        tracing::info!(thread = %self.name, task = %id, "task created");
        Ok(task)
    }

    /// Replays each store's changelog partition from the checkpoint (persistent
    /// stores) or from the start (in-memory stores) to its end.
    fn restore(&self, task: &Task, checkpoint: HashMap<String, i64>) -> Result<()> {
        let admin = self.shared.cluster.admin()?;
        for store in &task.stores {
            let Some((topic, partition)) = store.changelog() else {
                continue;
            };
            let tp = TopicPartition::new(&**topic, *partition);
            let end = admin.watermarks(&tp)?.high;
            let from = if store.persistent() {
                checkpoint.get(&*tp.topic).copied().unwrap_or(0)
            } else {
                0
            };
            if from >= end {
                continue;
            }
            let config = self
                .shared
                .config
                .client
                .clone()
                .set("enable.auto.commit", "false");
            let mut restorer = self.shared.cluster.consumer(&config)?;
            restorer.assign(std::slice::from_ref(&tp))?;
            restorer.seek(&tp, Offset::At(from))?;
            let mut position = from;
            let deadline = Instant::now() + Duration::from_secs(60);
            while position < end {
                let batch = restorer.poll(Duration::from_millis(200))?;
                for r in &batch {
                    if let Some(key) = &r.key {
                        store.restore(key, r.value.as_deref())?;
                    }
                    position = r.offset + 1;
                }
                if batch.is_empty() && Instant::now() > deadline {
                    return Err(store.error(StoreError::RestoreStalled {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                        position,
                        end,
                    }));
                }
            }
            store.flush_backend()?;
            tracing::info!(store = store.name(), task = %task.id, records = end - from, "restored");
        }
        Ok(())
    }

    fn checkpoint_path(&self, id: TaskId) -> std::path::PathBuf {
        self.shared.task_dir(id).join(".checkpoint")
    }

    fn read_checkpoint(&self, id: TaskId) -> Option<HashMap<String, i64>> {
        let text = std::fs::read_to_string(self.checkpoint_path(id)).ok()?;
        Some(
            text.lines()
                .filter_map(|l| {
                    let (topic, offset) = l.rsplit_once(' ')?;
                    Some((topic.to_owned(), offset.parse().ok()?))
                })
                .collect(),
        )
    }

    /// Records how far each persistent store's changelog is applied locally.
    fn write_checkpoint(&self, task: &Task) -> Result<()> {
        let persistent: Vec<_> = task
            .stores
            .iter()
            .filter(|s| s.persistent() && s.changelog().is_some())
            .collect();
        if persistent.is_empty() {
            return Ok(());
        }
        let admin = self.shared.cluster.admin()?;
        let mut text = String::new();
        for store in persistent {
            if let Some((topic, partition)) = store.changelog() {
                let end = admin.watermarks(&TopicPartition::new(&**topic, *partition))?.high;
                text.push_str(&format!("{topic} {end}\n"));
            }
        }
        let path = self.checkpoint_path(task.id);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().unwrap_or(&path))?;
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|source| crate::Error::Store {
            store: format!("checkpoint of task {}", task.id),
            source: StoreError::Io {
                operation: "write",
                path: path.clone(),
                source,
            },
        })
    }
}

/// The backend of a store: in memory, or RocksDB under the task's directory (wiped
/// first when there is no checkpoint saying how far it is).
#[cfg_attr(not(feature = "rocksdb"), allow(unused_variables))]
fn open_backend(
    shared: &Shared,
    spec: &StoreSpec,
    task: TaskId,
    checkpointed: bool,
) -> Result<Box<dyn KeyValueBackend>> {
    match spec.kind.unwrap_or(shared.config.default_store) {
        StoreKind::InMemory => Ok(Box::new(InMemoryBackend::default())),
        #[cfg(feature = "rocksdb")]
        StoreKind::RocksDb => {
            let dir = shared.task_dir(task).join("rocksdb").join(&spec.name);
            if !checkpointed && dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|source| crate::Error::Store {
                    store: spec.name.clone(),
                    source: StoreError::Io {
                        operation: "wipe",
                        path: dir.clone(),
                        source,
                    },
                })?;
            }
            Ok(Box::new(crate::store::RocksDbBackend::open(&spec.name, &dir)?))
        }
    }
}
