//! The standalone pipeline (feature `pipeline`): consume a topic, drop the duplicates,
//! produce the rest to another topic, commit; over any [`streamlog`] backend.
//!
//! Each input partition has its own [`Deduplicator`], so the pipeline scales out
//! through its consumer group like any consumer: a partition's ids move with it. Every
//! new id is also written to a changelog topic (partition for partition), which
//! rebuilds a partition's ids when the pipeline restarts or the partition moves in; so
//! no id seen inside the window passes twice, whatever happened to the instance that
//! saw it. See [`Guarantee`] for what a crash between producing and committing does.
//!
//! Repeats are found within a partition: the input must put every copy of an id in
//! the same partition (keyed by the id, or by anything the id follows from), as in
//! Segment's deduplication. A copy in another partition is checked against that
//! partition's ids only.
//!
//! ```
//! use std::time::Duration;
//! use dedup::pipeline::{DedupPipeline, PipelineConfig};
//! use dedup::{IdSource, Window};
//! use streamlog::{Cluster, ProducerRecord, TopicConfig};
//!
//! let cluster = Cluster::embedded();
//! let admin = cluster.admin()?;
//! admin.create_topic("orders", &TopicConfig::new(2))?;
//! admin.create_topic("orders-once", &TopicConfig::new(2))?;
//! let producer = cluster.producer(&Default::default())?;
//! for id in ["a", "b", "a", "c", "b"] {
//!     producer.send(ProducerRecord::new("orders").key(id).value(format!(r#"{{"id":"{id}"}}"#)))?;
//! }
//! producer.flush(Duration::from_secs(5))?;
//!
//! let window = Window::new(Duration::from_secs(3600), 12)?;
//! let config = PipelineConfig::new("dedup-orders", "orders", "orders-once", IdSource::json_field("id"), window);
//! let mut pipeline = DedupPipeline::new(&cluster, config)?;
//! while pipeline.stats().consumed < 5 {
//!     pipeline.step()?;
//! }
//! assert_eq!(pipeline.stats().passed, 3);
//! assert_eq!(pipeline.stats().duplicates, 2);
//! # Ok::<(), dedup::Error>(())
//! ```

mod changelog;
mod config;
mod moves;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use streamlog::{
    AutoOffsetReset, Cluster, Consumer, GroupMetadata, Offset, Producer, ProducerRecord, Record,
    TopicPartition,
};

pub use config::{Guarantee, PipelineConfig};

use crate::deduplicator::Deduplicator;
use crate::error::{Error, Result};
use crate::id::Message;
use crate::policy::{OnMissingId, dead_letter_headers};
use crate::verdict::Verdict;
use changelog::Restorer;
use moves::{Moves, MovesListener};

/// How much longer than the window the changelog keeps ids (by their timestamps), as
/// Kafka Streams keeps its window stores' changelogs a day longer: for clocks that
/// disagree, and late records.
const CHANGELOG_EXTRA_RETENTION_MS: i64 = 24 * 3_600_000;

/// How long producing, flushing and committing may take before a step fails.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(120);

/// What a pipeline has done since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Input records read and committed (records of a failed step are not counted).
    pub consumed: u64,
    /// Records produced to the output: new ids, and records without an id passed on.
    pub passed: u64,
    /// Records dropped as duplicates.
    pub duplicates: u64,
    /// Records without an id, whatever the policy did with them.
    pub missing_ids: u64,
    /// Records without an id sent to the dead letter topic.
    pub dead_letters: u64,
    /// Partitions whose ids were rebuilt from the changelog.
    pub restores: u64,
    /// Ids read back from the changelog.
    pub restored_ids: u64,
    /// Batches committed.
    pub commits: u64,
}

/// A running deduplication pipeline: call [`step`](DedupPipeline::step) in a loop, or
/// [`run`](DedupPipeline::run) until told to stop.
pub struct DedupPipeline {
    config: PipelineConfig,
    changelog: String,
    consumer: Box<dyn Consumer>,
    producer: Box<dyn Producer>,
    restorer: Restorer,
    group: GroupMetadata,
    partitions: HashMap<i32, Deduplicator>,
    moves: Arc<Moves>,
    stats: PipelineStats,
    /// A failed step left the consumer past what was committed.
    must_rewind: bool,
}

impl std::fmt::Debug for DedupPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DedupPipeline")
            .field("input", &self.config.input)
            .field("output", &self.config.output)
            .field("partitions", &self.partitions.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl DedupPipeline {
    /// Checks the topics (making the changelog when missing), starts the producer
    /// (under exactly-once, fencing a crashed instance of the same id) and joins the
    /// group.
    pub fn new(cluster: &Cluster, config: PipelineConfig) -> Result<Self> {
        let admin = cluster.admin()?;
        let partitions = admin.partition_count(&config.input)?;
        admin.partition_count(&config.output)?;
        if let OnMissingId::DeadLetter(topic) = &config.on_missing_id {
            admin.partition_count(topic)?;
        }
        let changelog = config.changelog_topic();
        let window = config.window;
        let retention = window
            .segment_ms()
            .saturating_mul(i64::from(window.segments()) + 1)
            .saturating_add(CHANGELOG_EXTRA_RETENTION_MS);
        changelog::ensure_topic(&*admin, &changelog, partitions, retention)?;

        let exactly_once = config.guarantee == Guarantee::ExactlyOnce;
        let mut producer_config = config.client.clone();
        if exactly_once {
            producer_config = producer_config
                .transactional_id(config.transactional_id())
                .set("transaction.timeout.ms", "10000");
        }
        let producer = cluster.producer(&producer_config)?;
        if exactly_once {
            producer.init_transactions(DELIVERY_TIMEOUT)?;
        }
        let restorer = Restorer::new(
            cluster,
            &config.client,
            changelog.clone(),
            exactly_once,
            config.restore_timeout,
        )?;
        let consumer_config = config
            .client
            .clone()
            .group_id(config.group.as_str())
            .enable_auto_commit(false);
        let consumer_config = if consumer_config.get("auto.offset.reset").is_none() {
            consumer_config.auto_offset_reset(AutoOffsetReset::Earliest)
        } else {
            consumer_config
        };
        let mut consumer = cluster.consumer(&consumer_config)?;
        let moves = Arc::new(Moves::default());
        consumer.subscribe_with_listener(&[config.input.as_str()], Box::new(MovesListener(moves.clone())))?;
        let group = consumer.group_metadata().ok_or_else(|| Error::Config {
            setting: "group",
            reason: "the consumer has no group metadata".into(),
        })?;
        Ok(DedupPipeline {
            config,
            changelog,
            consumer,
            producer,
            restorer,
            group,
            partitions: HashMap::new(),
            moves,
            stats: PipelineStats::default(),
            must_rewind: false,
        })
    }

    /// Polls once and handles what came: drops the duplicates, produces the rest,
    /// writes the new ids to the changelog and commits, as the [`Guarantee`] says.
    /// Returns how many input records it handled.
    ///
    /// After an error nothing of the batch is committed: the pipeline forgets its ids
    /// (rebuilt from the changelog when needed) and reads again from the committed
    /// offsets at the next step, so calling `step` again retries the batch.
    pub fn step(&mut self) -> Result<usize> {
        if self.must_rewind {
            self.rewind()?;
        }
        let mut records = self.consumer.poll(self.config.poll_timeout)?;
        let moved = self.moves.take();
        if !moved.is_empty() {
            // Records of a partition that moved during the poll may predate the move:
            // they are read again from the committed offset, with the ids rebuilt.
            records.retain(|r| !moved.contains(&r.partition));
            for partition in &moved {
                self.partitions.remove(partition);
            }
            self.rewind_partitions(&moved)?;
        }
        if records.is_empty() {
            return Ok(0);
        }
        match self.handle(&records) {
            Ok(()) => {
                self.stats.consumed += records.len() as u64;
                self.stats.commits += 1;
                Ok(records.len())
            }
            Err(e @ Error::Abandoned { .. }) => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "a batch failed: its ids are forgotten and it will be read again");
                if self.config.guarantee == Guarantee::ExactlyOnce {
                    let _ = self.producer.abort_transaction(DELIVERY_TIMEOUT);
                }
                self.partitions.clear();
                self.must_rewind = true;
                let _ = self.rewind();
                Err(e)
            }
        }
    }

    /// Steps until `stop` is set or a step fails.
    pub fn run(&mut self, stop: &AtomicBool) -> Result<()> {
        while !stop.load(Ordering::Relaxed) {
            self.step()?;
        }
        Ok(())
    }

    /// What it has done so far.
    pub fn stats(&self) -> PipelineStats {
        self.stats
    }

    /// The changelog topic.
    pub fn changelog_topic(&self) -> &str {
        &self.changelog
    }

    /// The input partitions the group has given this instance.
    pub fn assignment(&self) -> Vec<i32> {
        let mut assigned: Vec<i32> = self.consumer.assignment().iter().map(|tp| tp.partition).collect();
        assigned.sort_unstable();
        assigned
    }

    /// The input partitions this instance holds ids of.
    pub fn partitions(&self) -> Vec<i32> {
        let mut held: Vec<i32> = self.partitions.keys().copied().collect();
        held.sort_unstable();
        held
    }

    /// Leaves the group (its partitions go to the other instances at once).
    pub fn close(mut self) -> Result<()> {
        self.consumer.close()?;
        Ok(())
    }

    /// Seeks every assigned partition back to its committed offset.
    fn rewind(&mut self) -> Result<()> {
        let assigned = self.consumer.assignment();
        self.seek_committed(&assigned)?;
        self.must_rewind = false;
        Ok(())
    }

    /// Seeks those of `partitions` still assigned back to their committed offsets.
    fn rewind_partitions(&mut self, partitions: &[i32]) -> Result<()> {
        let assigned: Vec<TopicPartition> = self
            .consumer
            .assignment()
            .into_iter()
            .filter(|tp| partitions.contains(&tp.partition))
            .collect();
        self.seek_committed(&assigned)
    }

    fn seek_committed(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        if partitions.is_empty() {
            return Ok(());
        }
        let committed = self.consumer.committed(partitions)?;
        for (tp, offset) in partitions.iter().zip(committed) {
            let to = offset.map_or(Offset::Beginning, Offset::At);
            self.consumer.seek(tp, to)?;
        }
        Ok(())
    }

    /// Each record's headers with values, where ids are read from headers.
    fn headers_of<'r>(&self, records: &'r [Record]) -> Vec<Vec<(&'r str, &'r [u8])>> {
        if !self.config.ids.reads_headers() {
            return Vec::new();
        }
        records
            .iter()
            .map(|r| {
                r.headers
                    .iter()
                    .filter_map(|h| Some((h.key.as_str(), h.value.as_deref()?)))
                    .collect()
            })
            .collect()
    }

    /// Each record's id, or why it has none; `headers` from
    /// [`DedupPipeline::headers_of`].
    fn ids_of<'r>(
        &self,
        records: &'r [Record],
        headers: &'r [Vec<(&'r str, &'r [u8])>],
    ) -> Vec<Result<Cow<'r, [u8]>>> {
        records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let message = Message {
                    key: r.key.as_deref(),
                    value: r.value.as_deref(),
                    headers: headers.get(i).map_or(&[], Vec::as_slice),
                    timestamp: r.timestamp.millis().unwrap_or(0),
                };
                self.config.ids.id(&message)
            })
            .collect()
    }

    /// The verdict on each record with an id, and the time it was placed at, by the
    /// deduplicator of its partition: each partition's ids checked together, in order
    /// ([`Deduplicator::check_many_at`], which fetches a run of ids' memory at once).
    fn verdicts(
        &mut self,
        records: &[Record],
        ids: &[Result<Cow<'_, [u8]>>],
        batch: &mut BatchStats,
    ) -> Result<Vec<Option<(Verdict, i64)>>> {
        let mut by_partition: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for (i, (r, id)) in records.iter().zip(ids).enumerate() {
            if id.is_ok() {
                by_partition.entry(r.partition).or_default().push(i);
            }
        }
        let mut verdicts = vec![None; records.len()];
        let mut checked = Vec::new();
        for (partition, indexes) in by_partition {
            let dedup = held_or_restored(
                &mut self.partitions,
                &mut self.restorer,
                &self.config,
                partition,
                batch,
            )?;
            let placed: Vec<(&[u8], i64)> = indexes
                .iter()
                .filter_map(|&i| {
                    let id = ids[i].as_ref().ok()?;
                    let timestamp = records[i].timestamp.millis().unwrap_or(0);
                    Some((id.as_ref(), dedup.time_of(timestamp)))
                })
                .collect();
            checked.clear();
            dedup.check_many_at(&placed, &mut checked)?;
            for ((i, verdict), (_, time)) in indexes.iter().zip(&checked).zip(&placed) {
                verdicts[*i] = Some((*verdict, *time));
            }
        }
        Ok(verdicts)
    }

    fn handle(&mut self, records: &[Record]) -> Result<()> {
        let exactly_once = self.config.guarantee == Guarantee::ExactlyOnce;
        let mut batch = BatchStats::default();
        // The ids of partitions new here are rebuilt before a transaction starts: a
        // long rebuild must not run into the transaction's timeout.
        let mut partitions: Vec<i32> = records.iter().map(|r| r.partition).collect();
        partitions.sort_unstable();
        partitions.dedup();
        for partition in partitions {
            held_or_restored(
                &mut self.partitions,
                &mut self.restorer,
                &self.config,
                partition,
                &mut batch,
            )?;
        }
        if exactly_once {
            self.producer.begin_transaction()?;
        }
        let headers = self.headers_of(records);
        let ids = self.ids_of(records, &headers);
        // Records from the first whose id is missing under the fail policy (or that
        // fails otherwise) are not checked: the batch stops there.
        let stop = ids
            .iter()
            .position(|id| match id {
                Err(Error::MissingId { .. }) => self.config.on_missing_id == OnMissingId::Fail,
                Err(_) => true,
                Ok(_) => false,
            })
            .unwrap_or(records.len());
        let verdicts = self.verdicts(&records[..stop], &ids[..stop], &mut batch)?;
        let mut out = Vec::new();
        let mut seen = Vec::new();
        let mut offsets = BTreeMap::new();
        for (i, (r, id)) in records.iter().zip(ids).enumerate() {
            offsets.insert(r.partition, r.offset + 1);
            match id {
                Ok(id) => match verdicts.get(i).copied().flatten() {
                    Some((Verdict::New, time)) => {
                        batch.passed += 1;
                        out.push(forward(r, &self.config.output));
                        seen.push(
                            ProducerRecord::new(self.changelog.as_str())
                                .partition(r.partition)
                                .key(id.into_owned())
                                .timestamp(time),
                        );
                    }
                    Some((Verdict::Duplicate { .. }, _)) => batch.duplicates += 1,
                    None => unreachable!("every record with an id before the stop has a verdict"),
                },
                Err(Error::MissingId { reason }) => {
                    batch.missing_ids += 1;
                    match &self.config.on_missing_id {
                        OnMissingId::Fail => {
                            return Err(Error::MissingIdAt {
                                topic: r.topic.to_string(),
                                partition: r.partition,
                                offset: r.offset,
                                reason,
                            });
                        }
                        OnMissingId::Pass => {
                            batch.passed += 1;
                            out.push(forward(r, &self.config.output));
                        }
                        OnMissingId::DeadLetter(topic) => {
                            batch.dead_letters += 1;
                            out.push(dead_letter(r, topic, &reason));
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let offsets: Vec<(TopicPartition, i64)> = offsets
            .into_iter()
            .map(|(p, o)| (TopicPartition::new(self.config.input.as_str(), p), o))
            .collect();
        if exactly_once {
            out.append(&mut seen);
            self.producer.send_batch(out)?;
            self.producer
                .send_offsets_to_transaction(&offsets, &self.group, DELIVERY_TIMEOUT)?;
            self.crash_here()?;
            self.producer.commit_transaction(DELIVERY_TIMEOUT)?;
        } else {
            // The output first: an id in the changelog whose record was lost would
            // never pass.
            self.producer.send_batch(out)?;
            self.producer.flush(DELIVERY_TIMEOUT)?;
            self.producer.send_batch(seen)?;
            self.producer.flush(DELIVERY_TIMEOUT)?;
            self.crash_here()?;
            self.consumer.commit_offsets(&offsets)?;
        }
        batch.add_to(&mut self.stats);
        Ok(())
    }
}

impl DedupPipeline {
    /// The crash tests' stop (see [`PipelineConfig::crash_before_commit`]).
    fn crash_here(&self) -> Result<()> {
        let batch = self.stats.commits + 1;
        match self.config.crash_before_commit {
            Some(crash) if crash == batch => Err(Error::Abandoned { batch }),
            _ => Ok(()),
        }
    }
}

/// A step's counts, added to the pipeline's once the step has committed.
#[derive(Default)]
struct BatchStats {
    passed: u64,
    duplicates: u64,
    missing_ids: u64,
    dead_letters: u64,
    restores: u64,
    restored_ids: u64,
}

impl BatchStats {
    fn add_to(&self, stats: &mut PipelineStats) {
        stats.passed += self.passed;
        stats.duplicates += self.duplicates;
        stats.missing_ids += self.missing_ids;
        stats.dead_letters += self.dead_letters;
        stats.restores += self.restores;
        stats.restored_ids += self.restored_ids;
        metrics::counter!("dedup_records_total", "verdict" => "new").increment(self.passed);
        metrics::counter!("dedup_records_total", "verdict" => "duplicate").increment(self.duplicates);
        metrics::counter!("dedup_records_total", "verdict" => "missing_id").increment(self.missing_ids);
    }
}

/// The deduplicator of input partition `partition`: the one held, or a new one with
/// the ids rebuilt from the changelog.
fn held_or_restored<'p>(
    partitions: &'p mut HashMap<i32, Deduplicator>,
    restorer: &mut Restorer,
    config: &PipelineConfig,
    partition: i32,
    batch: &mut BatchStats,
) -> Result<&'p mut Deduplicator> {
    Ok(match partitions.entry(partition) {
        std::collections::hash_map::Entry::Occupied(held) => held.into_mut(),
        std::collections::hash_map::Entry::Vacant(missing) => {
            let mut dedup = new_deduplicator(config, partition)?;
            batch.restored_ids += restorer.restore(partition, &mut dedup)?;
            batch.restores += 1;
            missing.insert(dedup)
        }
    })
}

/// An empty deduplicator for input partition `partition`.
fn new_deduplicator(config: &PipelineConfig, partition: i32) -> Result<Deduplicator> {
    let (ids, window, basis) = (config.ids.clone(), config.window, config.basis.clone());
    #[cfg(feature = "rocksdb")]
    let dedup = match &config.rocksdb_dir {
        Some(dir) => {
            let store = crate::store::RocksIds::open(dir.join(format!("partition-{partition}")))?;
            Deduplicator::with_store(ids, window, basis, Box::new(store))
        }
        None => Deduplicator::with_storage(ids, window, basis, config.storage),
    };
    #[cfg(not(feature = "rocksdb"))]
    let dedup = {
        let _ = partition;
        Deduplicator::with_storage(ids, window, basis, config.storage)
    };
    Ok(match config.max_ids {
        Some(max) => dedup.max_ids(max),
        None => dedup,
    })
}

/// `record` as it goes to `topic`: key, value, timestamp and headers kept.
fn forward(record: &Record, topic: &str) -> ProducerRecord {
    let mut out = ProducerRecord::new(topic);
    out.key = record.key.clone();
    out.value = record.value.clone();
    out.timestamp = record.timestamp.millis();
    out.headers = record.headers.clone();
    out
}

/// `record` as a dead letter in `topic`, with why and whence in its headers.
fn dead_letter(record: &Record, topic: &str, reason: &str) -> ProducerRecord {
    forward(record, topic)
        .header(dead_letter_headers::REASON, reason.to_owned())
        .header(dead_letter_headers::TOPIC, record.topic.to_string())
        .header(dead_letter_headers::PARTITION, record.partition.to_string())
        .header(dead_letter_headers::OFFSET, record.offset.to_string())
}
