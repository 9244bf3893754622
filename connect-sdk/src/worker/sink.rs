//! A sink task's thread (Kafka Connect's `WorkerSinkTask`): read the connector's topics
//! in its consumer group (`connect-<name>`), convert and transform each record, put the
//! batch to the task, and commit the offsets the task says are durable every
//! `offset.flush.interval.ms`, and before partitions move away.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use streamlog::{AutoOffsetReset, Consumer, OffsetCommitter, RebalanceListener, Record};

use super::errors::{ErrorPolicy, Failure, Stage};
use super::task::{TaskContext, TaskControl};
use crate::connector::{SinkTask, TopicPartition};
use crate::data::{Schema, Value};
use crate::error::{Error, Result};
use crate::pipeline::RecordPipeline;
use crate::record::{ConnectRecord, Header, SinkRecord};

/// How long a put that failed with a retriable error waits before the same records are
/// put again.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The consumer group of sink connector `name`.
pub(crate) fn group_of(name: &str) -> String {
    format!("connect-{name}")
}

/// What the loop and the rebalance listener share: the task and the offsets of the
/// records put to it.
struct Shared {
    task: Box<dyn SinkTask>,
    /// The next offset of each partition, for records put (or skipped).
    offsets: BTreeMap<TopicPartition, i64>,
    /// The offsets last committed, so an unchanged partition is not committed again.
    committed: BTreeMap<TopicPartition, i64>,
    failure: Option<Error>,
    /// The task has been stopped: the consumer's revocation as it leaves the group
    /// neither commits nor closes (the partitions were closed before the stop), as
    /// Kafka's `WorkerSinkTask` skips it once its task is stopped.
    stopped: bool,
}

fn ours(p: &streamlog::TopicPartition) -> TopicPartition {
    TopicPartition {
        topic: p.topic.clone(),
        partition: p.partition,
    }
}

impl Shared {
    /// Asks the task what it has made durable among `partitions` and commits that.
    fn commit(&mut self, consumer: &mut dyn OffsetCommitter, only: Option<&[TopicPartition]>) -> Result<()> {
        let offsets: BTreeMap<TopicPartition, i64> = self
            .offsets
            .iter()
            .filter(|(tp, _)| only.is_none_or(|only| only.contains(tp)))
            .map(|(tp, o)| (tp.clone(), *o))
            .collect();
        if offsets.is_empty() {
            return Ok(());
        }
        let durable = self.task.pre_commit(&offsets)?;
        let changed: Vec<(streamlog::TopicPartition, i64)> = durable
            .iter()
            .filter(|(tp, o)| self.committed.get(*tp) != Some(*o))
            .map(|(tp, o)| {
                (
                    streamlog::TopicPartition::new(tp.topic.as_str(), tp.partition),
                    *o,
                )
            })
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        consumer
            .commit_offsets(&changed)
            .map_err(Error::log("committing the sink task's offsets"))?;
        self.committed.extend(durable);
        Ok(())
    }
}

/// Opens and closes the task's partitions as the group moves them, committing what the
/// task made durable before a partition leaves.
struct Listener(Arc<Mutex<Shared>>);

impl RebalanceListener for Listener {
    fn on_partitions_assigned(
        &mut self,
        _consumer: &mut dyn OffsetCommitter,
        partitions: &[streamlog::TopicPartition],
    ) {
        let partitions: Vec<TopicPartition> = partitions.iter().map(ours).collect();
        let mut shared = self.0.lock();
        if let Err(e) = shared.task.open(&partitions) {
            shared.failure.get_or_insert(e);
        }
    }

    fn on_partitions_revoked(
        &mut self,
        consumer: &mut dyn OffsetCommitter,
        partitions: &[streamlog::TopicPartition],
    ) {
        let partitions: Vec<TopicPartition> = partitions.iter().map(ours).collect();
        let mut shared = self.0.lock();
        if shared.stopped {
            return;
        }
        if shared.failure.is_none() {
            let committed = shared.commit(consumer, Some(&partitions));
            if let Err(e) = committed.and_then(|()| shared.task.close(&partitions)) {
                shared.failure.get_or_insert(e);
            }
        }
        for p in &partitions {
            shared.offsets.remove(p);
            shared.committed.remove(p);
        }
    }
}

/// Runs `task` until stopped or failed; its status says which.
pub(crate) fn run(ctx: TaskContext, task: Box<dyn SinkTask>) {
    let control = ctx.control.clone();
    let shared = Arc::new(Mutex::new(Shared {
        task,
        offsets: BTreeMap::new(),
        committed: BTreeMap::new(),
        failure: None,
        stopped: false,
    }));
    let mut started = false;
    let mut consumer = None;
    let result = run_loop(&ctx, &shared, &mut started, &mut consumer);
    let mut guard = shared.lock();
    // However the loop ended, its partitions are closed (after committing what the task
    // made durable) before the task stops, as Kafka's `WorkerSinkTask` closes them.
    let result = match consumer.as_mut() {
        Some(consumer) if started => {
            let closed = close_all(&mut guard, consumer.as_mut());
            result.and(closed)
        }
        _ => result,
    };
    match &result {
        Ok(()) => control.report(super::status::Status::new(super::status::State::Unassigned)),
        Err(e) => control.report_failure(e),
    }
    if started && let Err(e) = guard.task.stop() {
        tracing::warn!(connector = %control.connector, task = control.id, "task stop failed: {e}");
    }
    guard.stopped = true;
    drop(guard);
    if let Some(mut consumer) = consumer {
        let _ = consumer.close();
    }
}

/// The topics of a sink connector: `topics`, or those matching `topics.regex` now.
fn subscribed_topics(ctx: &TaskContext) -> Result<Vec<String>> {
    let config = &ctx.connector_config;
    if let Some(topics) = config.get("topics").filter(|t| !t.trim().is_empty()) {
        return Ok(topics
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect());
    }
    let pattern = config
        .get("topics.regex")
        .ok_or_else(|| Error::MissingConfig { key: "topics".into() })?;
    let regex = regex::Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| Error::config("topics.regex", pattern, e))?;
    let admin = ctx
        .cluster
        .admin()
        .map_err(Error::log("listing topics for topics.regex"))?;
    Ok(admin
        .list_topics()
        .map_err(Error::log("listing topics for topics.regex"))?
        .into_iter()
        .filter(|t| regex.is_match(t))
        .collect())
}

/// The Connect headers of a Kafka record: each value as an optional string.
fn headers_of(record: &Record) -> Vec<Header> {
    record
        .headers
        .iter()
        .map(|h| Header {
            key: h.key.clone(),
            schema: Some(Schema::optional_string()),
            value: h.value.as_ref().map_or(Value::Null, |v| {
                Value::String(String::from_utf8_lossy(v).into_owned())
            }),
        })
        .collect()
}

/// The sink record of a Kafka record, converted and transformed; `None` when a
/// transform dropped it.
fn convert(
    pipeline: &mut RecordPipeline,
    record: &Record,
) -> std::result::Result<Option<SinkRecord>, Failure> {
    let converter_class = "org.apache.kafka.connect.storage.Converter";
    let (key_schema, key) = pipeline
        .key_converter
        .decode(&record.topic, record.key.as_deref())
        .map_err(|e| Failure::new(Stage::KeyConverter, converter_class, e))?;
    let (value_schema, value) = pipeline
        .value_converter
        .decode(&record.topic, record.value.as_deref())
        .map_err(|e| Failure::new(Stage::ValueConverter, converter_class, e))?;
    let mut connect =
        ConnectRecord::new(record.topic.to_string(), value_schema, value).with_key(key_schema, key);
    connect.kafka_partition = Some(record.partition);
    connect.timestamp = record.timestamp.millis();
    connect.headers = headers_of(record);
    let transformed = pipeline.transforms.apply(connect).map_err(|e| {
        Failure::new(
            Stage::Transformation,
            "org.apache.kafka.connect.transforms.Transformation",
            e,
        )
    })?;
    Ok(transformed.map(|record| SinkRecord {
        record,
        kafka_offset: 0,
    }))
}

fn run_loop(
    ctx: &TaskContext,
    shared: &Arc<Mutex<Shared>>,
    started: &mut bool,
    consumer_slot: &mut Option<Box<dyn Consumer>>,
) -> Result<()> {
    let control: &TaskControl = &ctx.control;
    let mut pipeline = RecordPipeline::from_properties(&ctx.connector_config)?;
    let policy = ErrorPolicy::from_config(
        &ctx.connector_config,
        &control.connector,
        control.id,
        true,
        &ctx.cluster,
        &ctx.worker,
    )?;
    let topics = subscribed_topics(ctx)?;
    let mut consumer_config = ctx.client_config("consumer.");
    if ctx.cluster.backend_name() == "kafka" && consumer_config.get("fetch.queue.backoff.ms").is_none() {
        // librdkafka stops fetching a partition for this long once its queue holds
        // `queued.min.messages` (100,000): at its default of 1 s, a sink that writes
        // faster than 100,000 records a second waits on every refill (measured: 121,000
        // records/s, against 528,000 with 10 ms).
        consumer_config.insert("fetch.queue.backoff.ms", "10");
    }
    let consumer_config = consumer_config
        .group_id(group_of(&control.connector))
        .client_id(format!("connector-consumer-{}-{}", control.connector, control.id))
        .enable_auto_commit(false)
        .auto_offset_reset(AutoOffsetReset::Earliest);
    let consumer = consumer_slot.insert(
        ctx.cluster
            .consumer(&consumer_config)
            .map_err(Error::log("creating the sink task's consumer"))?,
    );
    shared.lock().task.start(&ctx.task_config)?;
    *started = true;
    let topic_refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer
        .subscribe_with_listener(&topic_refs, Box::new(Listener(shared.clone())))
        .map_err(Error::log(format!("subscribing to {}", topics.join(","))))?;
    for topic in &topics {
        control.used_topic(topic);
    }
    let mut last_commit = Instant::now();
    let mut paused_partitions: Vec<streamlog::TopicPartition> = Vec::new();
    while !control.stopping() {
        control.report_running();
        if control.paused() {
            let assignment = consumer.assignment();
            if paused_partitions != assignment {
                consumer
                    .pause(&assignment)
                    .map_err(Error::log("pausing the sink's partitions"))?;
                paused_partitions = assignment;
            }
        } else if !paused_partitions.is_empty() {
            consumer
                .resume(&std::mem::take(&mut paused_partitions))
                .map_err(Error::log("resuming the sink's partitions"))?;
        }
        let records = consumer
            .poll(Duration::from_millis(200))
            .map_err(Error::log("reading the sink's topics"))?;
        if let Some(e) = shared.lock().failure.take() {
            return Err(e);
        }
        let mut batch = Vec::with_capacity(records.len());
        // The next offset of each partition, keyed by the record's shared topic name so
        // that no name is copied per record.
        let mut next_offsets: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for record in &records {
            let stopping = || control.stopping();
            match policy.retry(&control.counters.errors, &stopping, || {
                convert(&mut pipeline, record)
            }) {
                Ok(Some(mut sink)) => {
                    sink.kafka_offset = record.offset;
                    batch.push(sink);
                }
                Ok(None) => {
                    control.counters.filtered.fetch_add(1, Ordering::Relaxed);
                }
                Err(failure) => policy.tolerate(&control.counters.errors, failure, Some(record))?,
            }
            next_offsets.insert((&record.topic, record.partition), record.offset + 1);
        }
        let written = batch.len() as u64;
        if !batch.is_empty() {
            put(control, shared, &batch)?;
        }
        control.count(records.len() as u64, written);
        shared
            .lock()
            .offsets
            .extend(next_offsets.into_iter().map(|((topic, partition), offset)| {
                (
                    TopicPartition {
                        topic: topic.to_owned(),
                        partition,
                    },
                    offset,
                )
            }));
        if last_commit.elapsed() >= ctx.worker.offset_flush_interval {
            shared.lock().commit(consumer.as_mut(), None)?;
            control.counters.commits.fetch_add(1, Ordering::Relaxed);
            last_commit = Instant::now();
        }
    }
    Ok(())
}

/// Commits what the task made durable of its partitions, then closes them all (even
/// when the commit failed).
fn close_all(shared: &mut Shared, consumer: &mut dyn Consumer) -> Result<()> {
    let assignment: Vec<TopicPartition> = consumer.assignment().iter().map(ours).collect();
    let committed = shared.commit(consumer, None);
    let closed = shared.task.close(&assignment);
    committed.and(closed)
}

/// Puts `batch` to the task, again and again while it fails with a retriable error
/// (Kafka Connect's `RetriableException` from `put`), until it takes it or the task
/// stops.
fn put(control: &TaskControl, shared: &Arc<Mutex<Shared>>, batch: &[SinkRecord]) -> Result<()> {
    loop {
        let result = shared.lock().task.put(batch);
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.is_retriable() && !control.stopping() => {
                control.counters.errors.retries.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(connector = %control.connector, task = control.id, "put failed, retrying: {e}");
                control.nap(RETRY_PAUSE);
            }
            Err(e) => return Err(e),
        }
    }
}
