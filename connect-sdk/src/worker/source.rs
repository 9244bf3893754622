//! A source task's thread (Kafka Connect's `WorkerSourceTask` and
//! `ExactlyOnceWorkerSourceTask`): poll the task, transform and convert each record,
//! write it to Kafka, and commit the source offsets, every `offset.flush.interval.ms`
//! once the records before them are acknowledged, or in the same transaction as the
//! records under exactly-once.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use streamlog::{Producer, ProducerRecord, TopicConfig};

use super::config::ExactlyOnceSource;
use super::errors::{ErrorPolicy, Failure, Stage};
use super::offsets::{StoredOffsets, json_bytes, offset_key};
use super::storage::TopicLog;
use super::task::TaskContext;
use crate::connector::SourceTask;
use crate::data::Value;
use crate::error::{Error, Result};
use crate::pipeline::RecordPipeline;
use crate::record::{ConnectRecord, SourceRecord};

/// How long a poll that failed with a retriable error waits before the next.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// Runs `task` until stopped or failed; its status says which.
pub(crate) fn run(ctx: TaskContext, mut task: Box<dyn SourceTask>) {
    let mut started = false;
    let result = run_loop(&ctx, task.as_mut(), &mut started);
    if let Err(e) = &result {
        ctx.control.report_failure(e);
    }
    if started && let Err(e) = task.stop() {
        tracing::warn!(connector = %ctx.control.connector, task = ctx.control.id, "task stop failed: {e}");
    }
}

/// The bytes of a header value: strings and bytes as they are, anything else as JSON.
fn header_bytes(value: &Value) -> Result<Option<Vec<u8>>> {
    Ok(match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone().into_bytes()),
        Value::Bytes(b) => Some(b.clone()),
        other => Some(json_bytes(other)?),
    })
}

/// The Kafka record of a Connect record, transformed and converted; `None` when a
/// transform dropped it.
fn convert(
    pipeline: &mut RecordPipeline,
    record: ConnectRecord,
) -> std::result::Result<Option<ProducerRecord>, Failure> {
    let Some(record) = pipeline.transforms.apply(record).map_err(|e| {
        Failure::new(
            Stage::Transformation,
            "org.apache.kafka.connect.transforms.Transformation",
            e,
        )
    })?
    else {
        return Ok(None);
    };
    let key = pipeline
        .key_converter
        .encode(&record.topic, record.key_schema.as_ref(), &record.key)
        .map_err(|e| {
            Failure::new(
                Stage::KeyConverter,
                "org.apache.kafka.connect.storage.Converter",
                e,
            )
        })?;
    let value = pipeline
        .value_converter
        .encode(&record.topic, record.value_schema.as_ref(), &record.value)
        .map_err(|e| {
            Failure::new(
                Stage::ValueConverter,
                "org.apache.kafka.connect.storage.Converter",
                e,
            )
        })?;
    let mut out = ProducerRecord::new(record.topic.as_str());
    out.partition = record.kafka_partition;
    out.key = key.map(Into::into);
    out.value = value.map(Into::into);
    out.timestamp = record.timestamp;
    for header in &record.headers {
        let bytes = header_bytes(&header.value).map_err(|e| {
            Failure::new(
                Stage::HeaderConverter,
                "org.apache.kafka.connect.storage.HeaderConverter",
                e,
            )
        })?;
        out.headers.push(header.key.clone(), bytes.map(Into::into));
    }
    Ok(Some(out))
}

/// The state of one source task's loop.
struct SourceLoop<'a> {
    ctx: &'a TaskContext,
    producer: Box<dyn Producer>,
    exactly_once: bool,
    offsets_topic: String,
    /// Offsets of records sent and not yet committed, by offsets-topic key.
    pending: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Records sent since the last commit, given to `commit_record` after it.
    uncommitted: Vec<SourceRecord>,
    known_topics: HashSet<String>,
    last_commit: Instant,
}

impl SourceLoop<'_> {
    fn timeout(&self) -> Duration {
        self.ctx.worker.offset_flush_timeout.max(Duration::from_secs(30))
    }

    /// Creates `topic` when missing (`topic.creation.default.partitions`, 1 unless set).
    fn ensure_topic(&mut self, topic: &str) -> Result<()> {
        if self.known_topics.contains(topic) {
            return Ok(());
        }
        let admin = self
            .ctx
            .cluster
            .admin()
            .map_err(Error::log("connecting to check topics"))?;
        if !admin
            .list_topics()
            .map_err(Error::log("listing topics"))?
            .iter()
            .any(|t| t == topic)
        {
            let partitions = self
                .ctx
                .connector_config
                .get("topic.creation.default.partitions")
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(1);
            match admin.create_topic(topic, &TopicConfig::new(partitions)) {
                Ok(()) | Err(streamlog::Error::TopicAlreadyExists { .. }) => {}
                Err(e) => return Err(Error::log(format!("creating topic {topic}"))(e)),
            }
        }
        self.known_topics.insert(topic.to_owned());
        self.ctx.control.used_topic(topic);
        Ok(())
    }

    /// Writes the pending offsets to the offsets topic, through the task's producer (in
    /// its transaction under exactly-once).
    fn send_offsets(&mut self) -> Result<()> {
        for (key, value) in std::mem::take(&mut self.pending) {
            let record = ProducerRecord::new(self.offsets_topic.as_str())
                .key(key)
                .value(value);
            self.producer
                .enqueue(record)
                .map_err(Error::log("writing source offsets"))?;
        }
        Ok(())
    }

    /// At least once: waits until every record sent is acknowledged, then writes and
    /// flushes their offsets; a record that failed to be written fails the task before
    /// its offset is written.
    fn commit(&mut self, task: &mut dyn SourceTask) -> Result<()> {
        self.last_commit = Instant::now();
        if self.pending.is_empty() && self.uncommitted.is_empty() {
            return Ok(());
        }
        let timeout = self.timeout();
        self.producer
            .flush(timeout)
            .map_err(Error::log("writing the task's records to Kafka"))?;
        self.send_offsets()?;
        self.producer
            .flush(timeout)
            .map_err(Error::log("committing source offsets"))?;
        self.committed(task)
    }

    fn committed(&mut self, task: &mut dyn SourceTask) -> Result<()> {
        self.ctx.control.counters.commits.fetch_add(1, Ordering::Relaxed);
        for record in std::mem::take(&mut self.uncommitted) {
            task.commit_record(&record)?;
        }
        task.commit()
    }

    /// One poll's records: converted and sent, their offsets pending; under exactly-once
    /// all in one transaction with their offsets.
    fn write_batch(
        &mut self,
        task: &mut dyn SourceTask,
        records: Vec<SourceRecord>,
        pipeline: &mut RecordPipeline,
        policy: &ErrorPolicy,
    ) -> Result<()> {
        let control = &self.ctx.control;
        let read = records.len() as u64;
        let mut written = 0;
        if self.exactly_once {
            self.producer
                .begin_transaction()
                .map_err(Error::log("beginning a transaction"))?;
        }
        for source in records {
            let key = offset_key(&control.connector, &source.source_partition)?;
            let offset = json_bytes(&source.source_offset)?;
            let stopping = || control.stopping();
            match policy.retry(&control.counters.errors, &stopping, || {
                convert(pipeline, source.record.clone())
            }) {
                Ok(Some(record)) => {
                    self.ensure_topic(&record.topic)?;
                    self.producer
                        .enqueue(record)
                        .map_err(Error::log("writing a record to Kafka"))?;
                    written += 1;
                }
                Ok(None) => {
                    control.counters.filtered.fetch_add(1, Ordering::Relaxed);
                }
                Err(failure) => policy.tolerate(&control.counters.errors, failure, None)?,
            }
            self.pending.insert(key, offset);
            self.uncommitted.push(source);
        }
        control.count(read, written);
        if self.exactly_once {
            self.send_offsets()?;
            let timeout = self.timeout();
            if let Err(e) = self.producer.commit_transaction(timeout) {
                let _ = self.producer.abort_transaction(timeout);
                return Err(Error::log(
                    "committing a transaction of records and source offsets",
                )(e));
            }
            self.last_commit = Instant::now();
            self.committed(task)?;
        }
        Ok(())
    }
}

fn run_loop(ctx: &TaskContext, task: &mut dyn SourceTask, started: &mut bool) -> Result<()> {
    let control = &ctx.control;
    let exactly_once = ctx.worker.exactly_once_source == ExactlyOnceSource::Enabled;
    let mut producer_config = ctx
        .client_config("producer.")
        .set("enable.idempotence", "true")
        .set("acks", "all");
    if exactly_once {
        producer_config = producer_config.transactional_id(format!(
            "{}-{}-{}",
            ctx.worker.group_id, control.connector, control.id
        ));
    }
    let producer = ctx
        .cluster
        .producer(&producer_config)
        .map_err(Error::log("creating the task's producer"))?;
    if exactly_once {
        // Fences an older instance of this task (another worker, or one that died) and
        // aborts its open transaction before the offsets are read.
        producer
            .init_transactions(Duration::from_secs(60))
            .map_err(Error::log(format!(
                "starting the transactional producer of task {}-{} (a newer instance of the task may have fenced it)",
                control.connector, control.id
            )))?;
    }
    let offsets_log = TopicLog::open(
        &ctx.cluster,
        &ctx.worker.client_base(),
        &ctx.worker.offset_topic,
        ctx.worker.offset_partitions,
    )?;
    let stored = StoredOffsets::new(
        &control.connector,
        offsets_log.read_map(&ctx.worker.client_config("consumer."))?,
    );
    let mut pipeline = RecordPipeline::from_properties(&ctx.connector_config)?;
    let policy = ErrorPolicy::from_config(
        &ctx.connector_config,
        &control.connector,
        control.id,
        false,
        &ctx.cluster,
        &ctx.worker,
    )?;
    task.start(&ctx.task_config, &stored)?;
    *started = true;
    let mut state = SourceLoop {
        ctx,
        producer,
        exactly_once,
        offsets_topic: ctx.worker.offset_topic.clone(),
        pending: BTreeMap::new(),
        uncommitted: Vec::new(),
        known_topics: HashSet::new(),
        last_commit: Instant::now(),
    };
    while !control.stopping() {
        control.report_running();
        if control.paused() {
            control.nap(Duration::from_millis(100));
            continue;
        }
        let records = match task.poll() {
            Ok(records) => records,
            Err(e) if e.is_retriable() => {
                tracing::warn!(connector = %control.connector, task = control.id, "poll failed, retrying: {e}");
                control.nap(RETRY_PAUSE);
                continue;
            }
            Err(e) => return Err(e),
        };
        if !records.is_empty() {
            state.write_batch(task, records, &mut pipeline, &policy)?;
        }
        if !exactly_once && state.last_commit.elapsed() >= ctx.worker.offset_flush_interval {
            state.commit(task)?;
        }
    }
    if !exactly_once {
        state.commit(task)?;
    }
    control.report(super::status::Status::new(super::status::State::Unassigned));
    Ok(())
}
