//! Restoring tasks' stores from their changelogs (Kafka Streams'
//! `StoreChangelogReader`): each store's changelog partition is replayed from the
//! task's checkpoint (persistent stores) or from the beginning (in-memory stores) to
//! its end, by one consumer reading every changelog being restored.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use streamlog::{ClientConfig, Cluster, Consumer, Offset, TopicPartition};

use super::StateRestoreListener;
use super::fault::{FaultAction, FaultPoint};
use super::restore_poll::RestorePoll;
use super::shared::Shared;
use super::task::Task;
use crate::error::Result;
use crate::store::StateStore;

/// How long restoring one store may take: past it, a fetch that brings nothing fails
/// the restore.
const RESTORE_TIMEOUT: Duration = Duration::from_secs(60);

/// The restore consumer's batch size, unless the application sets it: a changelog is
/// read in bulk.
const RESTORE_BATCH: (&str, &str) = ("max.poll.records", "10000");
/// On Kafka, how long librdkafka stops fetching a partition whose queue holds
/// `queued.min.messages`: at its default of 1 s, a restore that empties the queue
/// faster than a second waits for the rest of it. The fetch size stays librdkafka's
/// (1 MiB per partition, as Kafka Streams' consumer): with 16 MiB, each fetch
/// response is a fresh allocation of tens of MiB that the broker thread faults in
/// page by page, and a million-record restore read 0.42 to 0.84 M/s against 1.07 to
/// 1.10 M/s with 1 MiB, runs interleaved.
const RESTORE_KAFKA_BACKOFF: (&str, &str) = ("fetch.queue.backoff.ms", "10");

/// The configuration of the consumer that replays a changelog from `cluster`; under
/// `exactly_once`, it reads committed records only.
fn restore_consumer_config(client: &ClientConfig, cluster: &Cluster, exactly_once: bool) -> ClientConfig {
    let mut config = client.clone().set("enable.auto.commit", "false");
    if exactly_once {
        config = config.set("isolation.level", "read_committed");
    }
    let kafka = cluster.backend_name() == "kafka";
    for (key, value) in std::iter::once(RESTORE_BATCH).chain(Some(RESTORE_KAFKA_BACKOFF).filter(|_| kafka)) {
        if config.get(key).is_none() {
            config = config.set(key, value);
        }
    }
    config
}

/// How far a task's restore has come, store by store, between the turns of the
/// thread's loop.
#[derive(Debug, Default)]
pub(crate) struct RestoreProgress {
    /// Per changelog partition: how far its store is.
    stores: BTreeMap<TopicPartition, StoreProgress>,
    /// When the restore last moved (clock milliseconds).
    last_progress: Option<i64>,
}

impl RestoreProgress {
    /// The next offset to restore of each changelog partition begun.
    pub(crate) fn positions(&self) -> BTreeMap<TopicPartition, i64> {
        self.stores
            .iter()
            .map(|(tp, store)| (tp.clone(), store.position))
            .collect()
    }

    /// Whether every store reached the end its changelog had at the last look.
    pub(crate) fn caught_up(&self) -> bool {
        self.stores.values().all(|s| s.position >= s.end)
    }
}

/// How far one store's restore is.
#[derive(Debug)]
struct StoreProgress {
    /// The next offset to restore.
    position: i64,
    /// The changelog's end at the last look.
    end: i64,
    /// How many records were restored so far.
    total: u64,
    /// Whether an active task's store reached the end and said so.
    finished: bool,
    /// Whether the store was told that a restore is under way, and not yet that it ended.
    bulk_loading: bool,
}

/// One task's stores to restore, for [`ChangelogReader::restore`].
pub(crate) struct RestoreJob<'a> {
    pub(crate) task: &'a Task,
    pub(crate) checkpoint: &'a BTreeMap<TopicPartition, i64>,
    pub(crate) progress: &'a mut RestoreProgress,
}

/// A thread's restore consumer (Kafka Streams' restore consumer): one consumer
/// assigned to the changelog partitions of every store being restored, so that they
/// are fetched together, kept between the turns of the thread's loop.
#[derive(Debug, Default)]
pub(crate) struct Restorer {
    consumer: Option<Box<dyn Consumer>>,
    /// Where the consumer is on each partition assigned to it: the next offset it
    /// hands out.
    positions: BTreeMap<TopicPartition, i64>,
    /// The buffers its polls gather records into.
    poll: RestorePoll,
}

/// Replays changelogs into the stores of new tasks.
#[derive(Debug)]
pub(crate) struct ChangelogReader {
    shared: Arc<Shared>,
}

impl ChangelogReader {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// Brings the logged stores of the `jobs`' tasks towards their changelogs' ends,
    /// starting from the offsets in their checkpoints for persistent stores, then from
    /// their progress; a task's [`RestoreProgress::caught_up`] says when it is
    /// restored. One consumer reads every changelog partition at once. A turn stops
    /// when a poll waiting `wait` brings nothing: under exactly-once, a transaction
    /// still open on a changelog (its previous owner's, which a crash left open) holds
    /// the committed records after it back until it ends, and the thread goes on with
    /// its other work meanwhile. Past `RESTORE_TIMEOUT` without progress, the restore
    /// of an `active` task fails (a standby task waits as long as it takes, and tells
    /// the restore listener nothing). `commits` is how many commits the thread began,
    /// for a simulated crash.
    pub(crate) fn restore(
        &self,
        restorer: &mut Restorer,
        mut jobs: Vec<RestoreJob<'_>>,
        wait: Duration,
        commits: u64,
        active: bool,
    ) -> Result<()> {
        let admin = self.shared.cluster.admin()?;
        let now = self.shared.now();
        let listener = self.shared.lifecycle.restore_listener().filter(|_| active);
        // Which job and store each changelog partition restores.
        let mut route: BTreeMap<TopicPartition, (usize, Arc<StateStore>)> = BTreeMap::new();
        for (j, job) in jobs.iter_mut().enumerate() {
            job.progress.last_progress.get_or_insert(now);
            for store in &job.task.stores {
                let Some((topic, partition)) = store.changelog() else {
                    continue;
                };
                let tp = TopicPartition::new(&**topic, *partition);
                let marks = admin.watermarks(&tp)?;
                let entry = job.progress.stores.entry(tp.clone()).or_insert_with(|| {
                    // What the broker deleted (a windowed changelog past its
                    // retention) is not there to restore: start from the first
                    // record it keeps.
                    let from = if store.persistent() {
                        job.checkpoint.get(&tp).copied().unwrap_or(0)
                    } else {
                        0
                    }
                    .max(marks.low);
                    if from < marks.high
                        && let Some(listener) = &listener
                    {
                        listener.on_restore_start(&tp, store.name(), from, marks.high);
                    }
                    StoreProgress {
                        position: from,
                        end: marks.high,
                        total: 0,
                        finished: false,
                        bulk_loading: false,
                    }
                });
                entry.end = marks.high;
                if entry.position < entry.end {
                    entry.finished = false;
                    // An active task's store is only written until its restore ends; a
                    // standby's is read by interactive queries as it goes.
                    if active && !entry.bulk_loading {
                        store.bulk_loading(true)?;
                        entry.bulk_loading = true;
                    }
                    route.insert(tp, (j, store.clone()));
                } else {
                    self.finish(entry, &tp, store, job.task, listener.as_deref(), active)?;
                }
            }
        }
        if route.is_empty() {
            for job in &mut jobs {
                job.progress.last_progress = Some(now);
            }
            // Nothing left to read: the consumer goes until the next restore.
            *restorer = Restorer::default();
            return Ok(());
        }
        self.assign(restorer, &route, &jobs)?;
        let consumer = restorer.consumer.as_mut().expect("assigned above");
        let mut remaining: std::collections::BTreeSet<TopicPartition> = route.keys().cloned().collect();
        while !remaining.is_empty() {
            let polled = restorer.poll.poll(consumer.as_mut(), wait)?;
            // A partition whose last offsets are transaction markers (or aborted
            // records) ends with no record to show it: the consumer's position says.
            let mut skipped = false;
            for tp in remaining.clone() {
                let (j, store) = &route[&tp];
                let job = &mut jobs[*j];
                let entry = routed(&mut job.progress.stores, &tp);
                let Some(at) = consumer.position(&tp).filter(|at| *at > entry.position) else {
                    continue;
                };
                if restorer.poll.brought(&tp) {
                    continue;
                }
                entry.position = at;
                restorer.positions.insert(tp.clone(), at);
                job.progress.last_progress = Some(self.shared.now());
                skipped = true;
                if entry.position >= entry.end {
                    remaining.remove(&tp);
                    self.finish(entry, &tp, store, job.task, listener.as_deref(), active)?;
                }
            }
            if polled == 0 {
                if skipped {
                    continue;
                }
                return self.check_stalled(&jobs, &route, active);
            }
            for part in restorer.poll.partitions() {
                let tp = &part.tp;
                let Some((j, store)) = route.get(tp) else {
                    continue;
                };
                let job = &mut jobs[*j];
                let entry = routed(&mut job.progress.stores, tp);
                let (last, writes) = part.writes_within(entry.position, entry.end);
                let mut position = part.last_offset().map_or(entry.position, |o| o + 1);
                // Transaction markers and aborted records take offsets no record
                // shows: the consumer's position moves past them.
                if let Some(at) = consumer.position(tp) {
                    position = position.max(at);
                }
                restorer.positions.insert(tp.clone(), position);
                let moved = position > entry.position;
                entry.position = entry.position.max(position);
                if let Some(last) = last {
                    store.restore_batch(&writes)?;
                    entry.total += writes.len() as u64;
                    metrics::counter!("kstream_restore_records_total", "store" => store.name().to_owned())
                        .increment(writes.len() as u64);
                    metrics::gauge!("kstream_restore_remaining_records", "store" => store.name().to_owned())
                        .set((entry.end - entry.position).max(0) as f64);
                    if let Some(listener) = &listener {
                        listener.on_batch_restored(tp, store.name(), last, writes.len() as u64);
                    }
                }
                if moved {
                    job.progress.last_progress = Some(self.shared.now());
                }
                if entry.position >= entry.end && remaining.remove(tp) {
                    self.finish(entry, tp, store, job.task, listener.as_deref(), active)?;
                }
                if moved && self.shared.fault(FaultPoint::Restore) == FaultAction::Crash {
                    return Err(crate::Error::Abandoned {
                        commit: commits,
                        at: FaultPoint::Restore,
                    });
                }
            }
        }
        Ok(())
    }

    /// The thread's restore consumer, assigned to the partitions of `route` at the
    /// positions their stores are at.
    fn assign(
        &self,
        restorer: &mut Restorer,
        route: &BTreeMap<TopicPartition, (usize, Arc<StateStore>)>,
        jobs: &[RestoreJob<'_>],
    ) -> Result<()> {
        if restorer.consumer.is_none() {
            let config = restore_consumer_config(
                &self.shared.config.client,
                &self.shared.cluster,
                self.shared.exactly_once(),
            );
            restorer.consumer = Some(self.shared.cluster.consumer(&config)?);
            restorer.positions.clear();
        }
        let consumer = restorer.consumer.as_mut().expect("made above");
        let wanted: Vec<TopicPartition> = route.keys().cloned().collect();
        let assigned: Vec<TopicPartition> = restorer.positions.keys().cloned().collect();
        if wanted != assigned {
            consumer.assign(&wanted)?;
            restorer.positions.retain(|tp, _| route.contains_key(tp));
            restorer.poll.retain(|tp| route.contains_key(tp));
        }
        for (tp, (j, _)) in route {
            let position = jobs[*j].progress.stores[tp].position;
            if restorer.positions.get(tp) != Some(&position) {
                consumer.seek(tp, Offset::At(position))?;
                restorer.positions.insert(tp.clone(), position);
            }
        }
        Ok(())
    }

    /// A store reached its changelog's end: made durable, and told.
    fn finish(
        &self,
        entry: &mut StoreProgress,
        tp: &TopicPartition,
        store: &StateStore,
        task: &Task,
        listener: Option<&dyn StateRestoreListener>,
        active: bool,
    ) -> Result<()> {
        // A standby's stores are made durable at its checkpoints, and it tells no
        // listener; once it becomes an active task, its restore ends here too.
        if entry.finished || !active {
            return Ok(());
        }
        entry.finished = true;
        if entry.bulk_loading {
            store.bulk_loading(false)?;
            entry.bulk_loading = false;
        }
        store.flush_backend()?;
        if let Some(listener) = listener {
            listener.on_restore_end(tp, store.name(), entry.total);
        }
        tracing::info!(store = store.name(), task = %task.id, records = entry.total, "restored");
        Ok(())
    }

    /// After a poll that brought nothing: an active task whose restore has not moved
    /// for `RESTORE_TIMEOUT` fails.
    fn check_stalled(
        &self,
        jobs: &[RestoreJob<'_>],
        route: &BTreeMap<TopicPartition, (usize, Arc<StateStore>)>,
        active: bool,
    ) -> Result<()> {
        if !active {
            return Ok(());
        }
        let now = self.shared.now();
        for (tp, (j, store)) in route {
            let progress = &jobs[*j].progress;
            let entry = &progress.stores[tp];
            let stalled = progress
                .last_progress
                .is_some_and(|at| now - at > RESTORE_TIMEOUT.as_millis() as i64);
            if entry.position < entry.end && stalled {
                return Err(store.error(crate::store::StoreError::RestoreStalled {
                    topic: tp.topic.to_string(),
                    partition: tp.partition,
                    position: entry.position,
                    end: entry.end,
                }));
            }
        }
        Ok(())
    }
}

/// The progress of a changelog partition being restored: every routed partition has
/// one, made before it is routed.
fn routed<'a>(
    stores: &'a mut BTreeMap<TopicPartition, StoreProgress>,
    tp: &TopicPartition,
) -> &'a mut StoreProgress {
    stores.get_mut(tp).expect("routed partitions have progress")
}
