//! Restoring a task's stores from their changelogs (Kafka Streams'
//! `StoreChangelogReader`): each store's changelog partition is replayed from the
//! task's checkpoint (persistent stores) or from the beginning (in-memory stores) to
//! the end it had when the task was created.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use streamlog::{ClientConfig, Cluster, Consumer, Offset, TopicPartition};

use super::fault::{FaultAction, FaultPoint};
use super::shared::Shared;
use super::task::Task;
use crate::error::Result;
use crate::store::NO_TIMESTAMP;
use crate::store::StampedWrite;

/// How long restoring one store may take: past it, a fetch that brings nothing fails
/// the restore.
const RESTORE_TIMEOUT: Duration = Duration::from_secs(60);

/// The restore consumer's batch and fetch sizes, unless the application sets them: a
/// changelog is read in bulk. On Kafka, librdkafka's default of 1 MiB per partition
/// and fetch held a restore to about a fifth of what the broker can give.
const RESTORE_BATCH: (&str, &str) = ("max.poll.records", "10000");
const RESTORE_KAFKA_FETCH: (&str, &str) = ("max.partition.fetch.bytes", "16777216");

/// The configuration of the consumer that replays a changelog from `cluster`; under
/// `exactly_once`, it reads committed records only.
fn restore_consumer_config(client: &ClientConfig, cluster: &Cluster, exactly_once: bool) -> ClientConfig {
    let mut config = client.clone().set("enable.auto.commit", "false");
    if exactly_once {
        config = config.set("isolation.level", "read_committed");
    }
    let kafka = cluster.backend_name() == "kafka";
    for (key, value) in std::iter::once(RESTORE_BATCH).chain(kafka.then_some(RESTORE_KAFKA_FETCH)) {
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
}

/// How far one store's restore is.
#[derive(Debug)]
struct StoreProgress {
    /// The next offset to restore.
    position: i64,
    /// How many records were restored so far.
    total: u64,
    /// The consumer reading the changelog, kept between turns while the store
    /// restores (its fetches go on meanwhile).
    reader: Option<Box<dyn Consumer>>,
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

    /// Brings the logged stores of `task` towards their changelogs' ends, starting
    /// from the offsets in `checkpoint` for persistent stores, then from `progress`;
    /// whether every store reached its end. A restore stops short when a poll
    /// waiting `wait` brings nothing: under exactly-once, a transaction still open on
    /// the changelog (its previous owner's, which a crash left open) holds the
    /// committed records after it back until it ends, and the thread goes on with its
    /// other work meanwhile. Past `RESTORE_TIMEOUT` without progress, the restore of
    /// an `active` task fails (a standby task waits as long as it takes, and tells
    /// the restore listener nothing). `commits` is how many commits the thread began,
    /// for a simulated crash.
    pub(crate) fn restore(
        &self,
        task: &Task,
        checkpoint: &BTreeMap<TopicPartition, i64>,
        progress: &mut RestoreProgress,
        wait: Duration,
        commits: u64,
        active: bool,
    ) -> Result<bool> {
        let admin = self.shared.cluster.admin()?;
        let now = self.shared.now();
        let last_progress = *progress.last_progress.get_or_insert(now);
        for store in &task.stores {
            let Some((topic, partition)) = store.changelog() else {
                continue;
            };
            let tp = TopicPartition::new(&**topic, *partition);
            let marks = admin.watermarks(&tp)?;
            let end = marks.high;
            let listener = self.shared.lifecycle.restore_listener().filter(|_| active);
            let entry = match progress.stores.entry(tp.clone()) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::btree_map::Entry::Vacant(entry) => {
                    // What the broker deleted (a windowed changelog past its
                    // retention) is not there to restore: start from the first record
                    // it keeps.
                    let from = if store.persistent() {
                        checkpoint.get(&tp).copied().unwrap_or(0)
                    } else {
                        0
                    }
                    .max(marks.low);
                    if from < end
                        && let Some(listener) = &listener
                    {
                        listener.on_restore_start(&tp, store.name(), from, end);
                    }
                    entry.insert(StoreProgress {
                        position: from,
                        total: 0,
                        reader: None,
                    })
                }
            };
            if entry.position >= end {
                continue;
            }
            let (mut position, mut total) = (entry.position, entry.total);
            let restorer = match &mut entry.reader {
                Some(reader) => reader,
                reader @ None => {
                    let config = restore_consumer_config(
                        &self.shared.config.client,
                        &self.shared.cluster,
                        self.shared.exactly_once(),
                    );
                    let mut consumer = self.shared.cluster.consumer(&config)?;
                    consumer.assign(std::slice::from_ref(&tp))?;
                    consumer.seek(&tp, Offset::At(position))?;
                    reader.insert(consumer)
                }
            };
            let restored_counter =
                metrics::counter!("kstream_restore_records_total", "store" => store.name().to_owned());
            let remaining =
                metrics::gauge!("kstream_restore_remaining_records", "store" => store.name().to_owned());
            remaining.set((end - position) as f64);
            while position < end {
                let batch = restorer.poll(wait)?;
                let before = position;
                // One partition's records, in offset order: those before the end go
                // to the store in one write.
                let restored = &batch[..batch.partition_point(|r| r.offset < end)];
                let writes: Vec<StampedWrite<'_>> = restored
                    .iter()
                    .filter_map(|r| {
                        let key = r.key.as_deref()?;
                        Some((
                            key,
                            r.value.as_deref(),
                            r.timestamp.millis().unwrap_or(NO_TIMESTAMP),
                        ))
                    })
                    .collect();
                if let Some(last) = batch.last() {
                    position = last.offset + 1;
                }
                // Transaction markers and aborted records take offsets no record
                // shows: the consumer's position moves past them.
                if let Some(at) = restorer.position(&tp) {
                    position = position.max(at);
                }
                if let Some(last) = restored.last() {
                    store.restore_batch(&writes)?;
                    total += writes.len() as u64;
                    restored_counter.increment(writes.len() as u64);
                    remaining.set((end - position).max(0) as f64);
                    if let Some(listener) = &listener {
                        listener.on_batch_restored(&tp, store.name(), last.offset, writes.len() as u64);
                    }
                }
                (entry.position, entry.total) = (position, total);
                if position > before {
                    progress.last_progress = Some(self.shared.now());
                    if self.shared.fault(FaultPoint::Restore) == FaultAction::Crash {
                        return Err(crate::Error::Abandoned {
                            commit: commits,
                            at: FaultPoint::Restore,
                        });
                    }
                } else if active && self.shared.now() - last_progress > RESTORE_TIMEOUT.as_millis() as i64 {
                    return Err(store.error(crate::store::StoreError::RestoreStalled {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                        position,
                        end,
                    }));
                } else {
                    return Ok(false);
                }
            }
            entry.reader = None;
            store.flush_backend()?;
            if let Some(listener) = &listener {
                listener.on_restore_end(&tp, store.name(), total);
            }
            if active {
                tracing::info!(store = store.name(), task = %task.id, records = total, "restored");
            }
        }
        progress.last_progress = Some(now);
        Ok(true)
    }
}
