//! The tasks of one stream thread (Kafka Streams' `TaskManager`): created when the
//! group assigns their partitions (stores opened, restored, processors initialized),
//! closed when it takes them away, committed together.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use streamlog::{Consumer, Offset, OffsetAndMetadata, OffsetCommitter, Producer, Record, TopicPartition};

use super::changelog_reader::{ChangelogReader, RestoreJob, RestoreProgress, Restorer};
use super::checkpoint::OffsetCheckpoint;
use super::fault::{FaultAction, FaultPoint};
use super::partition_group::PartitionGroup;
use super::shared::Shared;
use super::standby::Standbys;
use super::task::{Task, TaskId};
use crate::error::Result;
use crate::processor::CacheBudget;
#[cfg(feature = "rocksdb")]
use crate::store::StoreKind;
use crate::store::{KeyValueBackend, StoreSpec};

/// How often persistent stores are made durable and checkpointed (at a commit).
const CHECKPOINT_INTERVAL_MS: i64 = 10_000;
/// Kafka Streams' `buffered.records.per.partition`: a partition with this many records
/// waiting is paused.
const BUFFERED_RECORDS_PER_PARTITION: usize = 1000;
/// How long a commit waits for the producer to deliver what the tasks produced (and,
/// under exactly-once, for the transaction to commit or abort).
const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// The tasks a stream thread runs, with the records fetched for them.
#[derive(Debug)]
pub(crate) struct TaskManager {
    shared: Arc<Shared>,
    /// The stream thread's name, for logs.
    thread: String,
    tasks: BTreeMap<TaskId, Task>,
    /// Fetched records per task, handed out in timestamp order.
    buffers: BTreeMap<TaskId, PartitionGroup>,
    paused: BTreeSet<TopicPartition>,
    changelog_reader: ChangelogReader,
    /// When the last commit succeeded (clock milliseconds).
    last_commit: i64,
    /// When persistent stores were last made durable and checkpointed.
    last_checkpoint: i64,
    /// The thread's record cache: its share of `statestore.cache.max.bytes`.
    cache: CacheBudget,
    /// Under exactly-once: whether the producer's transaction is open.
    in_transaction: bool,
    /// Under exactly-once: the input offsets the last transaction committed, so that
    /// a commit sends only those that moved.
    committed: HashMap<TopicPartition, i64>,
    /// Under exactly-once: a transaction aborted, and the tasks must go back to the
    /// last commit (stores, buffers and positions) before they process again.
    needs_revive: bool,
    /// How many commits the thread started (for the test switch that abandons it).
    commits: u64,
    /// Tasks whose stores are being restored: their input partitions are paused until
    /// the restore ends, while the thread goes on with its other tasks.
    restoring: BTreeMap<TaskId, Restoring>,
    /// How long a restore's poll waits for records before the thread goes on.
    restore_wait: Duration,
    /// Partitions sent back to their committed offsets since the last poll: the
    /// records that poll brought for them are read again.
    repositioned: Vec<TopicPartition>,
    /// The standby tasks this thread keeps (the first thread of an instance).
    standbys: Standbys,
    /// The consumer restoring the tasks' stores.
    restorer: Restorer,
}

/// A task whose stores are being restored (or a standby task, whose restore never
/// ends).
#[derive(Debug)]
pub(super) struct Restoring {
    pub(super) task: Task,
    pub(super) checkpoint: BTreeMap<TopicPartition, i64>,
    pub(super) progress: RestoreProgress,
    /// Its input partitions, paused.
    pub(super) partitions: Vec<TopicPartition>,
}

impl Restoring {
    /// What the changelog reader restores of it.
    pub(super) fn job(&mut self) -> RestoreJob<'_> {
        RestoreJob {
            task: &self.task,
            checkpoint: &self.checkpoint,
            progress: &mut self.progress,
        }
    }
}

/// How long a restore's poll waits for changelog records, by default.
const RESTORE_WAIT: Duration = Duration::from_millis(200);

impl TaskManager {
    pub(crate) fn new(shared: Arc<Shared>, thread: String) -> Self {
        let now = shared.now();
        let cache = CacheBudget {
            max_bytes: shared.config.cache_max_bytes / shared.config.num_stream_threads.max(1),
            used: Default::default(),
        };
        Self {
            changelog_reader: ChangelogReader::new(shared.clone()),
            shared,
            thread,
            tasks: BTreeMap::new(),
            buffers: BTreeMap::new(),
            paused: BTreeSet::new(),
            last_commit: now,
            last_checkpoint: now,
            cache,
            in_transaction: false,
            committed: HashMap::new(),
            needs_revive: false,
            commits: 0,
            restoring: BTreeMap::new(),
            restore_wait: RESTORE_WAIT,
            repositioned: Vec::new(),
            standbys: Standbys::default(),
            restorer: Restorer::default(),
        }
    }

    /// The task that reads `topic`'s partition `partition`.
    pub(crate) fn task_of(&self, topic: &str, partition: i32) -> Option<TaskId> {
        self.shared
            .topic_subtopology
            .get(topic)
            .map(|&subtopology| TaskId {
                subtopology,
                partition,
            })
    }

    fn task_of_partition(&self, tp: &TopicPartition) -> Option<TaskId> {
        self.task_of(&tp.topic, tp.partition)
    }

    /// Makes restores poll without waiting (a simulation steps the thread).
    pub(crate) fn restore_without_waiting(&mut self) {
        self.restore_wait = Duration::ZERO;
    }

    /// The partitions sent back to their committed offsets since the last call.
    pub(crate) fn take_repositioned(&mut self) -> Vec<TopicPartition> {
        std::mem::take(&mut self.repositioned)
    }

    /// Opens and closes standby tasks as the placement says (the first stream thread
    /// of an instance, under `num.standby.replicas`), and brings them up to date.
    pub(crate) fn maintain_standbys(&mut self) -> Result<()> {
        if self.shared.config.num_standby_replicas == 0 || !self.thread.ends_with("-StreamThread-1") {
            return Ok(());
        }
        // Tasks this instance runs, on this thread or another.
        let mut active: BTreeSet<TaskId> = self.tasks.keys().chain(self.restoring.keys()).copied().collect();
        active.extend(
            self.shared
                .stores
                .read()
                .values()
                .flatten()
                .map(|(task, _)| *task),
        );
        match self.standbys.plan(&self.shared, &active) {
            Ok(Some((open, close))) => {
                for id in close {
                    self.standbys.close(&self.shared, id)?;
                }
                for id in open {
                    let standby = self.start_task(id)?;
                    self.standbys.insert(id, standby);
                }
            }
            Ok(None) => {}
            // The placement is looked at again at the next refresh.
            Err(e) => {
                tracing::warn!(thread = %self.thread, error = %e, "reading the standby placement failed")
            }
        }
        self.standbys
            .catch_up(&self.shared, &self.changelog_reader, self.commits)
    }

    /// The standby tasks.
    pub(crate) fn standby_ids(&self) -> Vec<TaskId> {
        self.standbys.ids()
    }

    /// Closes the standby tasks, their persistent stores checkpointed (the thread
    /// stops cleanly).
    pub(crate) fn close_standbys(&mut self) -> Result<()> {
        self.standbys.close_all(&self.shared)
    }

    /// The tasks the group gave the thread, restored or restoring.
    pub(crate) fn assigned_task_ids(&self) -> Vec<TaskId> {
        let mut ids: Vec<TaskId> = self.tasks.keys().chain(self.restoring.keys()).copied().collect();
        ids.sort();
        ids
    }

    /// Whether a task's stores are still being restored.
    pub(crate) fn is_restoring(&self) -> bool {
        !self.restoring.is_empty()
    }

    /// The ids of the running tasks.
    pub(crate) fn task_ids(&self) -> Vec<TaskId> {
        self.tasks.keys().copied().collect()
    }

    /// The input partitions of a task, or `None` for a task this thread does not run.
    pub(crate) fn partitions_of(&self, id: TaskId) -> Option<impl Iterator<Item = &TopicPartition>> {
        self.buffers.get(&id).map(PartitionGroup::partitions)
    }

    /// Applies the partitions the group took away and gave: tasks of revoked
    /// partitions that did not come back are closed, tasks of new partitions created.
    pub(crate) fn handle_rebalance(
        &mut self,
        consumer: &mut dyn Consumer,
        assigned: &[TopicPartition],
        revoked: &[TopicPartition],
    ) -> Result<()> {
        let wanted: BTreeSet<TaskId> = assigned
            .iter()
            .filter_map(|tp| self.task_of_partition(tp))
            .collect();
        // An eager rebalance revokes everything and assigns again: tasks that come
        // back stay, with their stores.
        let gone: BTreeSet<TaskId> = revoked
            .iter()
            .filter_map(|tp| self.task_of_partition(tp))
            .filter(|id| !wanted.contains(id))
            .collect();
        // The rebalance listener committed every task before the partitions went; if
        // that commit failed, the tasks go with what they did since the last commit,
        // and the next owner processes those records again from the changelogs' state
        // at that commit.
        for id in gone {
            self.close_task(id);
        }
        // Under exactly-once, after an aborted transaction, the tasks that stay hold
        // uncommitted state: they start again from the last commit.
        if self.needs_revive {
            self.close_all();
            self.needs_revive = false;
        }
        for id in wanted {
            if !self.tasks.contains_key(&id) && !self.restoring.contains_key(&id) {
                let restoring = match self.standbys.take(id) {
                    // The standby's stores become the task's: only the tail is left
                    // to restore.
                    Some(standby) => {
                        tracing::info!(thread = %self.thread, task = %id, "a standby becomes the active task");
                        standby
                    }
                    None => self.start_task(id)?,
                };
                self.restoring.insert(id, restoring);
            }
        }
        let mut paused = Vec::new();
        for tp in assigned {
            let Some(id) = self.task_of_partition(tp) else {
                continue;
            };
            match self.restoring.get_mut(&id) {
                // A partition given again (an eager rebalance) is paused again.
                Some(r) => {
                    if !r.partitions.contains(tp) {
                        r.partitions.push(tp.clone());
                    }
                    paused.push(tp.clone());
                }
                None => {
                    self.buffers.entry(id).or_default().add_partition(tp.clone());
                }
            }
        }
        if !paused.is_empty() {
            consumer.pause(&paused)?;
        }
        self.restore_pending(consumer)
    }

    /// Goes on restoring the tasks that are; each one restored is initialized and
    /// starts reading its partitions from the committed offsets.
    pub(crate) fn restore_pending(&mut self, consumer: &mut dyn Consumer) -> Result<()> {
        let jobs = self.restoring.values_mut().map(Restoring::job).collect();
        self.changelog_reader
            .restore(&mut self.restorer, jobs, self.restore_wait, self.commits, true)?;
        let done: Vec<TaskId> = self
            .restoring
            .iter()
            .filter(|(_, r)| r.progress.caught_up())
            .map(|(id, _)| *id)
            .collect();
        for id in done {
            let Restoring { task, partitions, .. } = self.restoring.remove(&id).expect("listed above");
            let task = self.finish_task(task, consumer)?;
            // Records fetched for the partitions before they were paused were not
            // processed: they are read again, and those of the poll that brought
            // this turn's records go.
            self.seek_to_committed(consumer, &partitions)?;
            self.repositioned.extend(partitions.iter().cloned());
            for tp in partitions {
                self.buffers.entry(id).or_default().add_partition(tp);
            }
            self.tasks.insert(id, task);
        }
        Ok(())
    }

    /// Moves `partitions` back to their committed offsets (or the reset policy's end)
    /// and resumes them.
    fn seek_to_committed(&self, consumer: &mut dyn Consumer, partitions: &[TopicPartition]) -> Result<()> {
        consumer.resume(partitions)?;
        let committed = consumer.committed(partitions)?;
        let earliest = self.shared.config.client.get("auto.offset.reset") != Some("latest");
        for (tp, offset) in partitions.iter().zip(committed) {
            let to = match offset {
                Some(offset) => Offset::At(offset),
                None if earliest => Offset::Beginning,
                None => Offset::End,
            };
            // A partition nothing was read from (nor sought) since it was assigned
            // starts from its committed offset (or the reset policy) anyway, and one
            // already there needs no seek: on Kafka, a seek waits for the partition's
            // fetch in flight, up to `fetch.wait.max.ms` (500 ms) when its topic is
            // idle, and that for each task restored.
            let at = consumer.position(tp);
            if at.is_none() || matches!(to, Offset::At(o) if at == Some(o)) {
                continue;
            }
            consumer.seek(tp, to)?;
        }
        Ok(())
    }

    /// Lets a task go without committing: its buffered records and its stores.
    fn close_task(&mut self, id: TaskId) {
        self.buffers.remove(&id);
        self.restoring.remove(&id);
        let topic_subtopology = &self.shared.topic_subtopology;
        let of_other_task = |tp: &TopicPartition| {
            topic_subtopology.get(&*tp.topic) != Some(&id.subtopology) || tp.partition != id.partition
        };
        self.paused.retain(of_other_task);
        self.committed.retain(|tp, _| of_other_task(tp));
        if let Some(task) = self.tasks.remove(&id) {
            self.shared.unregister_stores(&task.stores);
            tracing::info!(thread = %self.thread, task = %id, "task closed");
        }
    }

    /// Lets every task go without committing (the thread stops).
    pub(crate) fn close_all(&mut self) {
        let restoring: Vec<TaskId> = self.restoring.keys().copied().collect();
        for id in self.task_ids().into_iter().chain(restoring) {
            self.close_task(id);
        }
    }

    fn checkpoint_file(&self, id: TaskId) -> OffsetCheckpoint {
        OffsetCheckpoint::new(self.shared.task_dir(id).join(".checkpoint"))
    }

    /// A task of the thread's, with its stores open, to be restored.
    fn start_task(&mut self, id: TaskId) -> Result<Restoring> {
        let file = self.checkpoint_file(id);
        // A checkpoint that cannot be read is as good as none: the stores are rebuilt
        // from their changelogs.
        let checkpoint = file.read(id.partition).unwrap_or_else(|e| {
            tracing::warn!(thread = %self.thread, task = %id, error = %e, "ignoring the checkpoint");
            None
        });
        let shared = &self.shared;
        let backend = |spec: &StoreSpec, task: TaskId| -> Result<Box<dyn KeyValueBackend>> {
            open_backend(shared, spec, task, checkpoint.is_some())
        };
        let mut task = Task::new(
            &shared.topology,
            &shared.config.application_id,
            id,
            shared.config.record_handling(),
            &backend,
            &shared.global_stores,
        )?;
        task.ctx.partition_counts = shared.partition_counts.clone();
        // A topic picked per record (`to_dynamic`) with a partitioner: its partition
        // count is asked of the log when the task first writes to it.
        let cluster = shared.cluster.clone();
        task.ctx.partition_lookup = Some(Arc::new(move |topic: &str| {
            Ok(cluster.admin()?.partition_count(topic)?)
        }));
        task.ctx.cache = self.cache.clone();
        // A record waiting for an unavailable serde dependency stops waiting when the
        // application closes.
        let closing = self.shared.clone();
        task.ctx.unavailable.closing = Some(Arc::new(move || {
            closing.shutdown.load(std::sync::atomic::Ordering::SeqCst)
        }));
        Ok(Restoring {
            task,
            checkpoint: checkpoint.unwrap_or_default(),
            progress: RestoreProgress::default(),
            partitions: Vec::new(),
        })
    }

    /// A restored task made ready to process: checkpointed, its stream time resumed
    /// from its committed offsets, its processors initialized, its stores queryable.
    fn finish_task(&mut self, mut task: Task, consumer: &dyn Consumer) -> Result<Task> {
        let shared = &self.shared;
        // What was restored is on disk (the restore flushed it): a crash before the
        // first commit's checkpoint does not replay it again.
        self.write_checkpoint(&task)?;
        if shared.exactly_once() {
            for store in &task.stores {
                store.stage_writes();
            }
        }
        let inputs: Vec<TopicPartition> = task
            .topics()
            .map(|topic| TopicPartition::new(topic, task.id.partition))
            .collect();
        let committed = consumer.committed_metadata(&inputs)?;
        task.resume_stream_time(committed.iter().flatten().map(|c| c.metadata.as_str()));
        task.init(shared.now())?;
        shared.register_stores(task.id, &task.stores);
        tracing::info!(thread = %self.thread, task = %task.id, "task created");
        Ok(task)
    }

    /// Hands a fetched record to its task: processed at once when nothing is queued
    /// before it, else queued.
    pub(crate) fn add_record(&mut self, record: Record, wall: i64) -> Result<()> {
        let Some(id) = self.task_of(&record.topic, record.partition) else {
            return Ok(());
        };
        let (Some(task), Some(group)) = (self.tasks.get_mut(&id), self.buffers.get_mut(&id)) else {
            return Ok(());
        };
        if group.passes_through() {
            task.process(&record, wall)
        } else {
            group.push(record);
            Ok(())
        }
    }

    /// Processes a task's queued records in timestamp order, waiting (up to
    /// `max_idle`) for the partitions in `lagging`. Whether a store's cache is full,
    /// which asks for a commit.
    pub(crate) fn process_queued(
        &mut self,
        id: TaskId,
        lagging: &BTreeSet<TopicPartition>,
        max_idle_ms: i64,
        wall: i64,
    ) -> Result<bool> {
        let (Some(task), Some(group)) = (self.tasks.get_mut(&id), self.buffers.get_mut(&id)) else {
            return Ok(false);
        };
        while let Some(record) = group.next(lagging, wall, max_idle_ms) {
            task.process(&record, wall)?;
        }
        // A full cache is a commit, not a flush alone: the changelogs never run ahead
        // of the committed input offsets.
        Ok(task.cache_full(self.shared.config.cache_max_records))
    }

    /// Fires the wall-clock punctuations that are due.
    pub(crate) fn punctuate_wall_clock(&mut self, wall: i64) -> Result<()> {
        for task in self.tasks.values_mut() {
            task.punctuate(crate::processor::PunctuationType::WallClockTime, wall)?;
        }
        Ok(())
    }

    /// Pauses the partitions with a full buffer, so the consumer fetches the others
    /// (a task needs the heads of all its partitions to pick by timestamp), and resumes
    /// them once their buffer has drained.
    pub(crate) fn pause_full_partitions(&mut self, consumer: &mut dyn Consumer) -> Result<()> {
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
            consumer.pause(&pause)?;
            self.paused.extend(pause);
        }
        if !resume.is_empty() {
            consumer.resume(&resume)?;
            for tp in &resume {
                self.paused.remove(tp);
            }
        }
        Ok(())
    }

    /// Sends what the tasks produced since the last call (under exactly-once, in the
    /// open transaction, begun here if need be).
    pub(crate) fn send_output(&mut self, producer: &dyn Producer) -> Result<()> {
        // A batch per task: joining them would copy every record once more.
        for task in self.tasks.values_mut() {
            let produced = task.take_output();
            if !produced.is_empty() {
                if self.shared.exactly_once() && !self.in_transaction {
                    producer.begin_transaction()?;
                    self.in_transaction = true;
                }
                producer.send_batch(produced)?;
            }
        }
        Ok(())
    }

    /// Whether an aborted transaction left the tasks to be taken back to the last
    /// commit ([`revive`](Self::revive)).
    pub(crate) fn needs_revive(&self) -> bool {
        self.needs_revive
    }

    /// Takes every task back to the last commit after an aborted transaction: the
    /// tasks are closed without committing and created again (their stores restored
    /// from the committed changelogs), and their partitions read again from the
    /// committed offsets.
    pub(crate) fn revive(&mut self, consumer: &mut dyn Consumer) -> Result<()> {
        let partitions: Vec<TopicPartition> = self
            .buffers
            .values()
            .flat_map(PartitionGroup::partitions)
            .chain(self.restoring.values().flat_map(|r| r.partitions.iter()))
            .cloned()
            .collect();
        tracing::warn!(thread = %self.thread, tasks = self.tasks.len(), "taking the tasks back to the last commit");
        self.close_all();
        self.needs_revive = false;
        self.committed.clear();
        self.seek_to_committed(consumer, &partitions)?;
        self.handle_rebalance(consumer, &partitions, &[])?;
        metrics::counter!("kstream_task_revivals_total").increment(1);
        Ok(())
    }

    /// Whether `commit.interval.ms` has passed since the last commit.
    pub(crate) fn commit_due(&self, now: i64) -> bool {
        now - self.last_commit >= self.shared.config.commit_interval.as_millis() as i64
    }

    /// At-least-once commit: stores to their changelogs, then everything produced is
    /// flushed, then the input offsets are committed. Every `CHECKPOINT_INTERVAL_MS`,
    /// and on `final_commit`, the commit also makes persistent stores durable
    /// (RocksDB's memtables to disk) and writes their checkpoints; the others leave
    /// both as they were, which stays consistent: a restart replays the changelogs
    /// from the older checkpoint, and replaying values already on disk changes nothing.
    ///
    /// Under exactly-once the commit is [`commit_transaction`](Self::commit_transaction).
    pub(crate) fn commit(
        &mut self,
        consumer: &mut dyn OffsetCommitter,
        producer: &dyn Producer,
        final_commit: bool,
    ) -> Result<()> {
        let now = self.shared.now();
        let durable = final_commit || now - self.last_checkpoint >= CHECKPOINT_INTERVAL_MS;
        self.commits += 1;
        if self.shared.exactly_once() {
            return self.commit_transaction(consumer, producer, durable);
        }
        self.fault_point(FaultPoint::CommitStart)?;
        let planted_bug = self.shared.config.offsets_before_changelog;
        if !planted_bug {
            self.flush_state_and_output(producer, durable)?;
        }
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> =
            self.tasks.values().flat_map(Task::committable).collect();
        let refused = self.fault_point(FaultPoint::CommitBeforeOffsets)?;
        if !offsets.is_empty() {
            let committed = if refused {
                Err(self.simulated_refusal())
            } else {
                consumer.commit_offsets_and_metadata(&offsets)
            };
            match committed {
                // The group is rebalancing or moved a partition: the next commit
                // covers these offsets, or the next owner redoes the records.
                Err(streamlog::Error::CommitFailed { reason, .. }) => {
                    tracing::warn!(thread = %self.thread, %reason, "offset commit refused; retried at the next commit");
                    metrics::counter!("kstream_commit_failures_total").increment(1);
                    return Ok(());
                }
                other => other?,
            }
        }
        self.fault_point(FaultPoint::CommitAfterOffsets)?;
        if planted_bug {
            self.flush_state_and_output(producer, durable)?;
        }
        self.committed_at(now, durable)
    }

    /// The stores' caches and write caches to their changelogs, and everything the
    /// tasks produced delivered.
    fn flush_state_and_output(&mut self, producer: &dyn Producer, durable: bool) -> Result<()> {
        for task in self.tasks.values_mut() {
            task.commit_state(durable)?;
        }
        self.send_output(producer)?;
        producer.flush(FLUSH_TIMEOUT)?;
        Ok(())
    }

    /// What a simulation's refused commit looks like: the group's refusal.
    fn simulated_refusal(&self) -> streamlog::Error {
        streamlog::Error::CommitFailed {
            group: self.shared.config.application_id.clone(),
            reason: "a simulated refusal".into(),
            source: None,
        }
    }

    /// Stops the thread at `point` when the test switch or a simulation says so;
    /// whether a simulation makes this commit fail.
    pub(crate) fn fault_point(&self, point: FaultPoint) -> Result<bool> {
        let crash_point = if self.shared.exactly_once() {
            FaultPoint::CommitAfterOffsets
        } else {
            FaultPoint::CommitBeforeOffsets
        };
        let switch = self.shared.config.abandon_at_commit == Some(self.commits) && point == crash_point;
        match self.shared.fault(point) {
            _ if switch => Err(crate::Error::Abandoned {
                commit: self.commits,
                at: point,
            }),
            FaultAction::Crash => Err(crate::Error::Abandoned {
                commit: self.commits,
                at: point,
            }),
            FaultAction::FailCommit => Ok(point == FaultPoint::CommitBeforeOffsets),
            FaultAction::Continue => Ok(false),
        }
    }

    /// What follows a successful commit: checkpoints when `durable`, and the next
    /// interval.
    fn committed_at(&mut self, now: i64, durable: bool) -> Result<()> {
        if durable {
            for task in self.tasks.values() {
                self.write_checkpoint(task)?;
            }
            self.last_checkpoint = now;
        }
        // The interval runs from the end of this commit, as Kafka Streams counts it: a
        // commit that takes as long as the interval (the producer's flush waits for
        // the broker) must not make the next loop commit again at once.
        self.last_commit = self.shared.now();
        metrics::counter!("kstream_commits_total").increment(1);
        Ok(())
    }

    /// Exactly-once commit: the stores' changelog records and the outputs go into the
    /// open transaction with the input offsets, the transaction commits, and only then
    /// do the stores' backends take the writes (so a crash at any point leaves them at
    /// a commit, and a restart replays the committed changelog from the checkpoint
    /// without wiping anything). A transaction that cannot commit is aborted and the
    /// tasks go back to the last commit ([`revive`](Self::revive)); a fenced producer
    /// stops the thread.
    fn commit_transaction(
        &mut self,
        consumer: &mut dyn OffsetCommitter,
        producer: &dyn Producer,
        durable: bool,
    ) -> Result<()> {
        let now = self.shared.now();
        if self.needs_revive {
            // Nothing processed since the abort belongs to a transaction.
            return Ok(());
        }
        self.fault_point(FaultPoint::CommitStart)?;
        let planted_bug = self.shared.config.offsets_before_changelog;
        if !planted_bug {
            for task in self.tasks.values_mut() {
                task.commit_state(false)?;
            }
        }
        match self.try_commit_transaction(consumer, producer, durable) {
            Ok(()) => {
                if planted_bug {
                    // The changelog records go with the next transaction.
                    for task in self.tasks.values_mut() {
                        task.commit_state(false)?;
                    }
                }
                self.committed_at(now, durable)
            }
            Err(crate::Error::Log(error)) if abortable(&error) => {
                tracing::warn!(thread = %self.thread, %error, "the transaction did not commit; aborting it");
                metrics::counter!("kstream_commit_failures_total").increment(1);
                if self.in_transaction {
                    self.in_transaction = false;
                    producer.abort_transaction(FLUSH_TIMEOUT)?;
                }
                self.needs_revive = true;
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    fn try_commit_transaction(
        &mut self,
        consumer: &mut dyn OffsetCommitter,
        producer: &dyn Producer,
        durable: bool,
    ) -> Result<()> {
        self.send_output(producer)?;
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = self
            .tasks
            .values()
            .flat_map(Task::committable)
            .filter(|(tp, offset)| self.committed.get(tp) != Some(&offset.offset))
            .collect();
        if self.fault_point(FaultPoint::CommitBeforeOffsets)? {
            return Err(self.simulated_refusal().into());
        }
        if !offsets.is_empty() {
            let group = consumer
                .transaction_group()
                .ok_or_else(|| streamlog::Error::NoGroupId)?;
            if !self.in_transaction {
                producer.begin_transaction()?;
                self.in_transaction = true;
            }
            producer.send_offsets_and_metadata_to_transaction(&offsets, &group, FLUSH_TIMEOUT)?;
        }
        self.fault_point(FaultPoint::CommitAfterOffsets)?;
        if self.in_transaction {
            producer.commit_transaction(FLUSH_TIMEOUT)?;
            self.in_transaction = false;
        }
        self.committed
            .extend(offsets.into_iter().map(|(tp, o)| (tp, o.offset)));
        for task in self.tasks.values() {
            task.apply_staged(durable)?;
        }
        Ok(())
    }

    /// Aborts the open transaction, if any (the thread stops without committing).
    pub(crate) fn abort(&mut self, producer: &dyn Producer) {
        if self.in_transaction {
            self.in_transaction = false;
            if let Err(e) = producer.abort_transaction(FLUSH_TIMEOUT) {
                tracing::warn!(thread = %self.thread, error = %e, "aborting the transaction of a stopping thread");
            }
        }
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
        let mut offsets = BTreeMap::new();
        for store in persistent {
            if let Some((topic, partition)) = store.changelog() {
                let tp = TopicPartition::new(&**topic, *partition);
                let end = admin.watermarks(&tp)?.high;
                offsets.insert(tp, end);
            }
        }
        self.checkpoint_file(task.id).write(&offsets)
    }
}

/// Whether a transaction that failed with `error` can be aborted and its work redone
/// from the last commit: the group moved partitions, the transaction or a delivery
/// failed, the broker was away. A fenced producer, a record the log refuses or an
/// unknown topic would fail again.
fn abortable(error: &streamlog::Error) -> bool {
    matches!(
        error,
        streamlog::Error::CommitFailed { .. }
            | streamlog::Error::Transaction { .. }
            | streamlog::Error::Timeout { .. }
            | streamlog::Error::Delivery { .. }
            | streamlog::Error::BrokerUnreachable { .. }
            | streamlog::Error::Kafka { .. }
    )
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
    let kind = spec.kind.unwrap_or(shared.config.default_store);
    #[cfg(feature = "rocksdb")]
    if kind == StoreKind::RocksDb {
        let dir = shared.task_dir(task).join("rocksdb").join(&spec.name);
        if !checkpointed && dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|source| crate::Error::Store {
                store: spec.name.clone(),
                source: crate::store::StoreError::Io {
                    operation: "wipe",
                    path: dir.clone(),
                    source,
                },
            })?;
        }
        return crate::store::open_backend(spec, kind, &dir, &task.to_string());
    }
    crate::store::open_backend(spec, kind, std::path::Path::new(""), &task.to_string())
}
