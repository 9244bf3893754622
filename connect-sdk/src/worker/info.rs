//! What the worker reports about its connectors, in the shapes of Kafka Connect's REST
//! API (`ConnectorInfo`, `ConnectorStateInfo`, `TaskInfo`).

use serde_json::{Value as Json, json};

use super::plugins::ConnectorType;
use super::status::Status;
use crate::config::Properties;

/// A connector's name, config (secrets hidden), tasks and type.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorInfo {
    /// The name.
    pub name: String,
    /// The config as written (secret values shown as `[hidden]`).
    pub config: Properties,
    /// How many tasks it has now.
    pub tasks: u32,
    /// Source or sink.
    pub kind: ConnectorType,
}

impl ConnectorInfo {
    /// `{"name", "config", "tasks": [{"connector", "task"}], "type"}`.
    pub fn to_json(&self) -> Json {
        json!({
            "name": self.name,
            "config": self.config,
            "tasks": (0..self.tasks).map(|t| json!({"connector": self.name, "task": t})).collect::<Vec<_>>(),
            "type": self.kind.as_str(),
        })
    }
}

/// The state of a connector or one of its tasks, with the worker running it.
#[derive(Debug, Clone, PartialEq)]
pub struct StateInfo {
    /// The state and trace.
    pub status: Status,
    /// The worker's id (`host:port`).
    pub worker_id: String,
    /// The connector plugin's version.
    pub version: String,
}

impl StateInfo {
    fn fields(&self, out: &mut serde_json::Map<String, Json>) {
        out.insert("state".into(), json!(self.status.state.as_str()));
        out.insert("worker_id".into(), json!(self.worker_id));
        out.insert("version".into(), json!(self.version));
        if let Some(trace) = &self.status.trace {
            out.insert("trace".into(), json!(trace));
        }
    }

    /// `{"state", "worker_id", "trace"?}`.
    pub fn to_json(&self) -> Json {
        let mut out = serde_json::Map::new();
        self.fields(&mut out);
        Json::Object(out)
    }

    /// `{"id", "state", "worker_id", "trace"?}`, a task's.
    pub fn task_json(&self, id: u32) -> Json {
        let mut out = serde_json::Map::new();
        out.insert("id".into(), json!(id));
        self.fields(&mut out);
        Json::Object(out)
    }
}

/// A connector's state and its tasks' (`GET /connectors/{name}/status`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorStatus {
    /// The name.
    pub name: String,
    /// The connector's state.
    pub connector: StateInfo,
    /// Each task's state, by id.
    pub tasks: Vec<(u32, StateInfo)>,
    /// Source or sink.
    pub kind: ConnectorType,
}

impl ConnectorStatus {
    /// `{"name", "connector", "tasks", "type"}`.
    pub fn to_json(&self) -> Json {
        json!({
            "name": self.name,
            "connector": self.connector.to_json(),
            "tasks": self.tasks.iter().map(|(id, s)| s.task_json(*id)).collect::<Vec<_>>(),
            "type": self.kind.as_str(),
        })
    }
}

/// A task's id and config (`GET /connectors/{name}/tasks`).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    /// The connector.
    pub connector: String,
    /// The task's number.
    pub task: u32,
    /// Its config (secrets hidden).
    pub config: Properties,
}

impl TaskInfo {
    /// `{"id": {"connector", "task"}, "config"}`.
    pub fn to_json(&self) -> Json {
        json!({"id": {"connector": self.connector, "task": self.task}, "config": self.config})
    }
}

/// One stored offset: the partition and the offset, as the REST API shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorOffset {
    /// The source partition (`{"kafka_topic", "kafka_partition"}` for a sink).
    pub partition: Json,
    /// The offset (`{"kafka_offset"}` for a sink).
    pub offset: Json,
}
