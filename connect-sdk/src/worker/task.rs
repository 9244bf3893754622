//! What a running task shares with the worker: its stop and pause switches, its status,
//! its counters and the topics it used; and how statuses reach the status topic.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use streamlog::Cluster;

use super::config::WorkerConfig;
use super::errors::ErrorCounters;
use super::status::{State, Status, TargetState, trace_of};
use super::storage::TopicLog;
use crate::config::Properties;

/// Writes connector and task states to `status.storage.topic`, as Kafka Connect does
/// (`status-connector-<name>`, `status-task-<name>-<id>`, `topic-<topic>-connector-<name>`).
#[derive(Debug)]
pub(crate) struct StatusLog {
    pub(crate) log: TopicLog,
    pub(crate) worker_id: String,
}

impl StatusLog {
    fn write(&self, key: String, status: &Status) {
        let value = serde_json::json!({
            "state": status.state.as_str(),
            "trace": status.trace,
            "worker_id": self.worker_id,
            "generation": 0,
        });
        // A status not recorded is logged; the state the REST API shows is the worker's.
        if let Err(e) = self.log.write(key.as_bytes(), Some(value.to_string().as_bytes())) {
            tracing::warn!("could not record status {key}: {e}");
        }
    }

    pub(crate) fn connector(&self, name: &str, status: &Status) {
        self.write(format!("status-connector-{name}"), status);
    }

    pub(crate) fn task(&self, name: &str, task: u32, status: &Status) {
        self.write(format!("status-task-{name}-{task}"), status);
    }

    pub(crate) fn topic(&self, name: &str, topic: &str) {
        let value = serde_json::json!({"topic": {"name": topic, "connector": name, "task": 0, "discoverTimestamp": 0}});
        if let Err(e) = self.log.write(
            format!("topic-{topic}-connector-{name}").as_bytes(),
            Some(value.to_string().as_bytes()),
        ) {
            tracing::warn!("could not record that {name} uses topic {topic}: {e}");
        }
    }

    pub(crate) fn forget(&self, key: &str) {
        if let Err(e) = self.log.write(key.as_bytes(), None) {
            tracing::warn!("could not delete status {key}: {e}");
        }
    }
}

/// Counters of one task (Kafka Connect's task metrics).
#[derive(Debug, Default)]
pub struct TaskCounters {
    /// Records polled from the source system, or read from Kafka.
    pub read: AtomicU64,
    /// Records written to Kafka, or put to the sink task.
    pub written: AtomicU64,
    /// Records a transform dropped.
    pub filtered: AtomicU64,
    /// Offset commits that succeeded.
    pub commits: AtomicU64,
    /// Failures and what became of them.
    pub errors: ErrorCounters,
}

/// A task's switches and reports, shared by its thread and the worker.
#[derive(Debug)]
pub(crate) struct TaskControl {
    pub(crate) connector: String,
    pub(crate) id: u32,
    stop: AtomicBool,
    paused: AtomicBool,
    status: Mutex<Status>,
    pub(crate) counters: TaskCounters,
    topics: Arc<Mutex<BTreeSet<String>>>,
    statuses: Arc<StatusLog>,
}

impl TaskControl {
    pub(crate) fn new(
        connector: &str,
        id: u32,
        target: TargetState,
        topics: Arc<Mutex<BTreeSet<String>>>,
        statuses: Arc<StatusLog>,
    ) -> Self {
        TaskControl {
            connector: connector.to_owned(),
            id,
            stop: AtomicBool::new(false),
            paused: AtomicBool::new(target == TargetState::Paused),
            status: Mutex::new(Status::new(State::Unassigned)),
            counters: TaskCounters::default(),
            topics,
            statuses,
        }
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    pub(crate) fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    pub(crate) fn paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    pub(crate) fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Release);
    }

    pub(crate) fn status(&self) -> Status {
        self.status.lock().clone()
    }

    /// Sets the state, recording it when it changed.
    pub(crate) fn report(&self, status: Status) {
        let mut current = self.status.lock();
        if *current != status {
            *current = status.clone();
            drop(current);
            self.statuses.task(&self.connector, self.id, &status);
        }
    }

    /// Running or paused, as the switch says.
    pub(crate) fn report_running(&self) {
        self.report(Status::new(if self.paused() {
            State::Paused
        } else {
            State::Running
        }));
    }

    pub(crate) fn report_failure(&self, error: &crate::Error) {
        tracing::error!(connector = %self.connector, task = self.id, "task failed: {error}");
        self.report(Status::failed(trace_of(error)));
    }

    /// Adds `read` and `written` records to the counters and to the `metrics` facade
    /// (`connect_records_read_total`, `connect_records_written_total`, labelled by
    /// connector and task).
    pub(crate) fn count(&self, read: u64, written: u64) {
        self.counters.read.fetch_add(read, Ordering::Relaxed);
        self.counters.written.fetch_add(written, Ordering::Relaxed);
        let labels = [
            ("connector", self.connector.clone()),
            ("task", self.id.to_string()),
        ];
        metrics::counter!("connect_records_read_total", &labels).increment(read);
        metrics::counter!("connect_records_written_total", &labels).increment(written);
    }

    /// The task used `topic` (Kafka Connect's active topics).
    pub(crate) fn used_topic(&self, topic: &str) {
        let mut topics = self.topics.lock();
        if !topics.contains(topic) {
            topics.insert(topic.to_owned());
            drop(topics);
            self.statuses.topic(&self.connector, topic);
        }
    }

    /// Sleeps up to `pause`, waking early when asked to stop.
    pub(crate) fn nap(&self, pause: Duration) {
        let step = Duration::from_millis(20);
        let mut slept = Duration::ZERO;
        while slept < pause && !self.stopping() {
            std::thread::sleep(step.min(pause - slept));
            slept += step;
        }
    }
}

/// What a task's thread is given.
#[derive(Debug, Clone)]
pub(crate) struct TaskContext {
    /// The connector's config, resolved, over the worker's converter defaults.
    pub(crate) connector_config: Properties,
    /// The task's own config, resolved.
    pub(crate) task_config: Properties,
    pub(crate) cluster: Cluster,
    pub(crate) worker: Arc<WorkerConfig>,
    pub(crate) control: Arc<TaskControl>,
}

impl TaskContext {
    /// The client settings of `prefix` (`producer.`), with the connector's
    /// `producer.override.*` / `consumer.override.*` keys laid over them.
    pub(crate) fn client_config(&self, prefix: &str) -> streamlog::ClientConfig {
        let mut config = self.worker.client_config(prefix);
        let overrides = format!("{prefix}override.");
        for (key, value) in &self.connector_config {
            if let Some(key) = key.strip_prefix(&overrides) {
                config.insert(key.to_owned(), value.clone());
            }
        }
        config
    }
}
