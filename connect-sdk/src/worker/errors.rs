//! What a task does when a record fails (Kafka Connect's `RetryWithToleranceOperator`):
//! retry what may pass on a second try, then fail the task or skip the record, logging
//! it and sending it to the dead letter topic as the connector's config says.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use streamlog::{Cluster, Producer, ProducerRecord, Record, TopicConfig};

use super::config::WorkerConfig;
use crate::config::{ConfigReader, Properties};
use crate::error::{Error, Result};

/// The step of a record's path that failed (Kafka's `Stage`), as the dead letter headers
/// name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
        }
    }
}

/// A failed record's context: the stage, the class that failed, the error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) stage: Stage,
    pub(crate) class: &'static str,
    pub(crate) error: Error,
}

impl Failure {
    pub(crate) fn new(stage: Stage, class: &'static str, error: Error) -> Self {
        Failure { stage, class, error }
    }
}

/// The dead letter topic of a sink connector.
#[derive(Debug)]
struct DeadLetters {
    topic: String,
    context_headers: bool,
    producer: Box<dyn Producer>,
}

/// Counters of one task's failures, read by the REST API and exported as metrics.
#[derive(Debug, Default)]
pub struct ErrorCounters {
    /// Records that failed at some stage (`total-record-failures`).
    pub failed: AtomicU64,
    /// Records skipped under `errors.tolerance=all` (`total-records-skipped`).
    pub skipped: AtomicU64,
    /// Records written to the dead letter topic (`deadletterqueue-produce-requests`).
    pub dead_lettered: AtomicU64,
    /// Retries of a retriable failure (`total-retries`).
    pub retries: AtomicU64,
}

/// A task's error handling, from its connector's `errors.*` keys.
#[derive(Debug)]
pub(crate) struct ErrorPolicy {
    tolerate_all: bool,
    retry_timeout: Duration,
    retry_delay_max: Duration,
    log: bool,
    log_messages: bool,
    dead_letters: Option<DeadLetters>,
    connector: String,
    task: u32,
}

fn long_millis(reader: &ConfigReader<'_>, key: &str, default: i64) -> Result<i64> {
    match reader.string(key) {
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| Error::config(key, text, "Not a number of type LONG")),
        None => Ok(default),
    }
}

impl ErrorPolicy {
    /// The policy of `config`; a sink's dead letter topic is created when missing.
    pub(crate) fn from_config(
        config: &Properties,
        connector: &str,
        task: u32,
        sink: bool,
        cluster: &Cluster,
        worker: &WorkerConfig,
    ) -> Result<Self> {
        let reader = ConfigReader::new(config);
        let tolerate_all = reader.choice("errors.tolerance", &["none", "all"], "none")? == "all";
        let retry_timeout = long_millis(&reader, "errors.retry.timeout", 0)?;
        let retry_delay_max = long_millis(&reader, "errors.retry.delay.max.ms", 60_000)?;
        let dead_letters = match reader.string("errors.deadletterqueue.topic.name").map(str::trim) {
            Some(topic) if sink && !topic.is_empty() => {
                let admin = cluster
                    .admin()
                    .map_err(Error::log("connecting to create the dead letter topic"))?;
                if !admin
                    .list_topics()
                    .map_err(Error::log("listing topics"))?
                    .iter()
                    .any(|t| t == topic)
                {
                    let factor = reader.int("errors.deadletterqueue.topic.replication.factor", 3)?;
                    let mut topic_config = TopicConfig::new(1);
                    if worker
                        .properties
                        .get("bootstrap.servers")
                        .is_some_and(|b| !b.starts_with("embedded"))
                    {
                        topic_config = topic_config.replication_factor(i16::try_from(factor).unwrap_or(3));
                    }
                    match admin.create_topic(topic, &topic_config) {
                        Ok(()) | Err(streamlog::Error::TopicAlreadyExists { .. }) => {}
                        Err(e) => {
                            return Err(Error::log(format!("creating the dead letter topic {topic}"))(e));
                        }
                    }
                }
                Some(DeadLetters {
                    topic: topic.to_owned(),
                    context_headers: reader
                        .boolean("errors.deadletterqueue.context.headers.enable", false)?,
                    producer: cluster
                        .producer(&worker.client_config("producer."))
                        .map_err(Error::log("creating the dead letter producer"))?,
                })
            }
            _ => None,
        };
        Ok(ErrorPolicy {
            tolerate_all,
            retry_timeout: Duration::from_millis(u64::try_from(retry_timeout).unwrap_or(0)),
            retry_delay_max: Duration::from_millis(u64::try_from(retry_delay_max).unwrap_or(0)),
            log: reader.boolean("errors.log.enable", false)?,
            log_messages: reader.boolean("errors.log.include.messages", false)?,
            dead_letters,
            connector: connector.to_owned(),
            task,
        })
    }

    /// Runs `op`, retrying a retriable failure with growing waits until
    /// `errors.retry.timeout` has passed (or `stopping` says so).
    pub(crate) fn retry<T>(
        &self,
        counters: &ErrorCounters,
        stopping: &dyn Fn() -> bool,
        mut op: impl FnMut() -> std::result::Result<T, Failure>,
    ) -> std::result::Result<T, Failure> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(300);
        loop {
            match op() {
                Ok(v) => return Ok(v),
                Err(f) if f.error.is_retriable() && started.elapsed() < self.retry_timeout && !stopping() => {
                    counters.retries.fetch_add(1, Ordering::Relaxed);
                    let left = self.retry_timeout.saturating_sub(started.elapsed());
                    std::thread::sleep(delay.min(left));
                    delay = (delay * 2).min(self.retry_delay_max.max(Duration::from_millis(1)));
                }
                Err(f) => return Err(f),
            }
        }
    }

    /// Handles a record that failed: `Ok` when the policy tolerates it (it is skipped,
    /// logged and dead-lettered as configured), the error to fail the task with
    /// otherwise. `record` is the Kafka record a sink task read.
    pub(crate) fn tolerate(
        &self,
        counters: &ErrorCounters,
        failure: Failure,
        record: Option<&Record>,
    ) -> Result<()> {
        counters.failed.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("connect_record_failures_total", "connector" => self.connector.clone())
            .increment(1);
        if !self.tolerate_all {
            return Err(Error::task(format!(
                "Tolerance exceeded in error handler: {} failed in stage {} ({}): {}",
                failure.class,
                failure.stage.as_str(),
                failure.error.java_class(),
                failure.error
            )));
        }
        counters.skipped.fetch_add(1, Ordering::Relaxed);
        if self.log {
            match record.filter(|_| self.log_messages) {
                Some(r) => tracing::error!(
                    connector = %self.connector, task = self.task, stage = failure.stage.as_str(),
                    topic = %r.topic, partition = r.partition, offset = r.offset,
                    "Error encountered in task {}-{}. Executing stage '{}' with class '{}': {}",
                    self.connector, self.task, failure.stage.as_str(), failure.class, failure.error
                ),
                None => tracing::error!(
                    connector = %self.connector, task = self.task,
                    "Error encountered in task {}-{}. Executing stage '{}' with class '{}': {}",
                    self.connector, self.task, failure.stage.as_str(), failure.class, failure.error
                ),
            }
        }
        if let (Some(dlq), Some(record)) = (&self.dead_letters, record) {
            self.dead_letter(dlq, &failure, record)?;
            counters.dead_lettered.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("connect_dead_lettered_total", "connector" => self.connector.clone())
                .increment(1);
        }
        Ok(())
    }

    fn dead_letter(&self, dlq: &DeadLetters, failure: &Failure, record: &Record) -> Result<()> {
        let mut out = ProducerRecord::new(dlq.topic.as_str());
        out.key = record.key.clone();
        out.value = record.value.clone();
        out.timestamp = record.timestamp.millis();
        out.headers = record.headers.clone();
        if dlq.context_headers {
            let error = &failure.error;
            let mut trace = format!("{}: {error}", error.java_class());
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                trace.push_str(&format!("\nCaused by: {cause}"));
                source = cause.source();
            }
            let headers = [
                ("__connect.errors.topic", record.topic.to_string()),
                ("__connect.errors.partition", record.partition.to_string()),
                ("__connect.errors.offset", record.offset.to_string()),
                ("__connect.errors.connector.name", self.connector.clone()),
                ("__connect.errors.task.id", self.task.to_string()),
                ("__connect.errors.stage", failure.stage.as_str().to_owned()),
                ("__connect.errors.class.name", failure.class.to_owned()),
                (
                    "__connect.errors.exception.class.name",
                    error.java_class().to_owned(),
                ),
                ("__connect.errors.exception.message", error.to_string()),
                ("__connect.errors.exception.stacktrace", trace),
            ];
            for (key, value) in headers {
                out.headers.push(key, Some(value.into_bytes().into()));
            }
        }
        // An outage of the log is not the record's fault: retried by the producer, then
        // the task fails, losing nothing.
        dlq.producer
            .send(out)
            .map_err(Error::log(format!(
                "writing to the dead letter topic {}",
                dlq.topic
            )))?
            .wait(Duration::from_secs(30))
            .map_err(Error::log(format!(
                "writing to the dead letter topic {}",
                dlq.topic
            )))?;
        Ok(())
    }
}
