//! The worker: runs connectors and their tasks over a [`streamlog`] cluster (the
//! embedded log, or Kafka), with Kafka Connect's storage topics, error handling and
//! exactly-once source; the REST API (feature `rest`) and the `connect` binary sit on
//! top of it. Every method blocks: call it from a thread, or from async code through
//! `spawn_blocking` as the REST API does.
//!
//! ```
//! use connect_sdk::config::Properties;
//! use connect_sdk::worker::{Plugins, Worker, WorkerConfig};
//! use streamlog::Cluster;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let input = dir.path().join("in.txt");
//! std::fs::write(&input, "hello\nworld\n").unwrap();
//! let worker = Worker::start(WorkerConfig::from_properties(&Properties::new())?, Cluster::embedded(), Plugins::builtin())?;
//! let info = worker.create_connector("lines", Properties::from([
//!     ("connector.class".into(), "FileStreamSource".into()),
//!     ("file".into(), input.display().to_string()),
//!     ("topic".into(), "lines".into()),
//! ]))?;
//! assert_eq!(info.tasks, 1);
//! worker.shutdown();
//! # Ok::<(), connect_sdk::Error>(())
//! ```

mod config;
mod connector_config;
mod errors;
mod info;
mod offsets;
mod plugins;
mod providers;
mod runtime;
mod sink;
mod source;
mod status;
mod storage;
mod task;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::{Value as Json, json};
use streamlog::Cluster;

pub use config::{ExactlyOnceSource, WorkerConfig};
pub use errors::ErrorCounters;
pub use info::{ConnectorInfo, ConnectorOffset, ConnectorStatus, StateInfo, TaskInfo};
pub use plugins::{ConnectorType, Plugin, Plugins};
pub use status::{State, Status, TargetState};
pub use task::TaskCounters;
pub use validate::ConfigInfos;

use crate::config::Properties;
use crate::config_def::ConfigType;
use crate::error::{Error, Result};
use runtime::{ConnectorEntry, Launcher};
use storage::TopicLog;
use task::StatusLog;

/// What the REST API shows in place of a secret value.
pub const HIDDEN: &str = "[hidden]";

/// A Kafka Connect worker in this process.
#[derive(Debug, Clone)]
pub struct Worker {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    launcher: Launcher,
    plugins: Plugins,
    worker_id: String,
    configs: TopicLog,
    offsets: TopicLog,
    connectors: Mutex<BTreeMap<String, ConnectorEntry>>,
}

fn not_found(name: &str) -> Error {
    Error::NotFound(format!("Connector {name} not found"))
}

/// Whether a key's name says it holds a secret (`connection.password`, `api.secret`,
/// `sasl.jaas.config`, `basic.auth.user.info`, `*.token`).
fn secret_name(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "sasl.jaas.config",
        "user.info",
        "credentials",
    ]
    .iter()
    .any(|part| key.contains(part))
}

/// A task's config as the REST API shows it (Kafka Connect's): a value the connector
/// copied from its own config shown as written there (config provider references
/// unresolved), and `task.class` naming the task.
fn task_config_as_written(task: &Properties, written: &Properties, plugin: &Plugin) -> Properties {
    let mut shown: Properties = task
        .iter()
        .map(|(k, v)| {
            let value = match written.get(k) {
                Some(raw) if raw.contains("${") => raw.clone(),
                _ => v.clone(),
            };
            (k.clone(), value)
        })
        .collect();
    shown.insert("task.class".into(), plugin.task_class());
    shown
}

/// `value` of `key` as the REST API shows it: secrets (keys the connector declares as
/// passwords, and keys named like secrets) as `[hidden]`.
fn shown_config(config: &Properties, plugin: &Plugin) -> Properties {
    let def = plugin.instance().connector().config_def();
    config
        .iter()
        .map(|(k, v)| {
            let password = def.key(k).is_some_and(|key| key.kind == ConfigType::Password);
            let value = if password || secret_name(k) {
                HIDDEN.to_owned()
            } else {
                v.clone()
            };
            (k.clone(), value)
        })
        .collect()
}

impl Worker {
    /// Starts a worker: opens (and creates) its config, offset and status topics, and
    /// starts the connectors the config topic holds, in their target states. With the
    /// embedded log nothing is kept across a restart, and the worker says so.
    pub fn start(config: WorkerConfig, cluster: Cluster, plugins: Plugins) -> Result<Worker> {
        if cluster.backend_name() == "embedded" {
            tracing::warn!(
                "the worker runs on the embedded log: connector configs, offsets and statuses live in this process's memory and are lost when it stops"
            );
        }
        let cluster = cluster.with_base(config.client_base());
        let base = config.client_base();
        let configs = TopicLog::open(&cluster, &base, &config.config_topic, 1)?;
        let offsets = TopicLog::open(&cluster, &base, &config.offset_topic, config.offset_partitions)?;
        let statuses = TopicLog::open(&cluster, &base, &config.status_topic, config.status_partitions)?;
        let worker_id = config
            .rest_listener()
            .unwrap_or_else(|| "127.0.0.1:8083".to_owned());
        let providers = providers::ConfigProviders::from_worker(&config.properties)?;
        let launcher = Launcher {
            cluster,
            worker: Arc::new(config),
            providers,
            statuses: Arc::new(StatusLog {
                log: statuses,
                worker_id: worker_id.clone(),
            }),
        };
        let worker = Worker {
            shared: Arc::new(Shared {
                launcher,
                plugins,
                worker_id,
                configs,
                offsets,
                connectors: Mutex::new(BTreeMap::new()),
            }),
        };
        worker.restore()?;
        Ok(worker)
    }

    /// Starts the connectors of the config topic.
    fn restore(&self) -> Result<()> {
        let shared = &self.shared;
        let entries = shared
            .configs
            .read_map(&shared.launcher.worker.client_config("consumer."))?;
        let mut targets = BTreeMap::new();
        let mut configs = BTreeMap::new();
        for (key, value) in &entries {
            let key = String::from_utf8_lossy(key);
            let json: Json = serde_json::from_slice(value).unwrap_or(Json::Null);
            if let Some(name) = key.strip_prefix("connector-") {
                let props: Properties = json["properties"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                configs.insert(name.to_owned(), props);
            } else if let Some(name) = key.strip_prefix("target-state-")
                && let Some(state) = json["state"].as_str().and_then(TargetState::parse)
            {
                targets.insert(name.to_owned(), state);
            }
        }
        let mut connectors = shared.connectors.lock();
        for (name, config) in configs {
            let target = targets.get(&name).copied().unwrap_or(TargetState::Started);
            let class = config.get("connector.class").cloned().unwrap_or_default();
            let plugin = match shared.plugins.find(&class) {
                Ok(p) => p.clone(),
                Err(e) => {
                    tracing::error!(connector = %name, "cannot restore connector: {e}");
                    continue;
                }
            };
            tracing::info!(connector = %name, "restoring connector from {}", shared.launcher.worker.config_topic);
            let mut entry = ConnectorEntry::new(&name, config, target, plugin);
            entry.start(&shared.launcher);
            connectors.insert(name, entry);
        }
        Ok(())
    }

    /// This worker's id (`host:port`), as statuses name it.
    pub fn worker_id(&self) -> &str {
        &self.shared.worker_id
    }

    /// The worker's configuration.
    pub fn config(&self) -> &WorkerConfig {
        &self.shared.launcher.worker
    }

    /// The cluster the worker runs on.
    pub fn cluster(&self) -> &Cluster {
        &self.shared.launcher.cluster
    }

    /// The plugins it can run.
    pub fn plugins(&self) -> &Plugins {
        &self.shared.plugins
    }

    fn write_config(&self, name: &str, config: Option<&Properties>) -> Result<()> {
        let value = config.map(|c| json!({"properties": c}).to_string());
        self.shared.configs.write(
            format!("connector-{name}").as_bytes(),
            value.as_deref().map(str::as_bytes),
        )
    }

    fn write_target(&self, name: &str, target: Option<TargetState>) -> Result<()> {
        let value = target.map(|t| json!({"state": t.as_str()}).to_string());
        self.shared.configs.write(
            format!("target-state-{name}").as_bytes(),
            value.as_deref().map(str::as_bytes),
        )
    }

    /// Checks a connector config; the errors as Kafka Connect words a refused create.
    fn check_config(&self, config: &Properties) -> Result<Plugin> {
        let class = config.get("connector.class").ok_or_else(|| {
            Error::BadRequest(
                "Connector config {} contains no connector type".replace("{}", &format!("{config:?}")),
            )
        })?;
        let plugin = self
            .shared
            .plugins
            .find(class)
            .map_err(|e| Error::BadRequest(e.to_string()))?;
        let infos = validate::validate(plugin, config, &self.shared.launcher.providers);
        if infos.error_count > 0 {
            return Err(Error::BadRequest(infos.refusal()));
        }
        let common = connector_config::common_def(plugin.kind());
        let own = plugin.instance().connector().config_def();
        for key in connector_config::unknown_keys(config, &common, &own) {
            tracing::warn!("The configuration '{key}' was supplied but isn't a known config.");
        }
        Ok(plugin.clone())
    }

    /// Creates and starts connector `name` (`POST /connectors`): refused when it exists
    /// ([`Error::Conflict`]) or its config is invalid ([`Error::BadRequest`]).
    pub fn create_connector(&self, name: &str, config: Properties) -> Result<ConnectorInfo> {
        self.put_connector(name, config, false).map(|(info, _)| info)
    }

    /// Creates connector `name` in `initial_state` (Kafka Connect's `initial_state` of
    /// `POST /connectors`): running, paused (no tasks until resumed) or stopped.
    pub fn create_connector_in(
        &self,
        name: &str,
        config: Properties,
        initial_state: TargetState,
    ) -> Result<ConnectorInfo> {
        if initial_state == TargetState::Started {
            return self.create_connector(name, config);
        }
        let mut connectors = self.shared.connectors.lock();
        if connectors.contains_key(name) {
            return Err(Error::Conflict(format!("Connector {name} already exists")));
        }
        let mut config = config;
        config.insert("name".into(), name.to_owned());
        let plugin = self.check_config(&config)?;
        self.write_config(name, Some(&config))?;
        self.write_target(name, Some(initial_state))?;
        let mut entry = ConnectorEntry::new(name, config, initial_state, plugin);
        entry.created_paused = initial_state == TargetState::Paused;
        entry.start(&self.shared.launcher);
        let info = Self::info_of(&entry);
        connectors.insert(name.to_owned(), entry);
        Ok(info)
    }

    /// Creates or replaces connector `name`'s config (`PUT /connectors/{name}/config`);
    /// `true` when it was created. A value of `[hidden]` keeps the stored value.
    pub fn put_connector_config(&self, name: &str, config: Properties) -> Result<(ConnectorInfo, bool)> {
        self.put_connector(name, config, true)
    }

    fn put_connector(
        &self,
        name: &str,
        mut config: Properties,
        allow_replace: bool,
    ) -> Result<(ConnectorInfo, bool)> {
        let mut connectors = self.shared.connectors.lock();
        let existing = connectors.get(name);
        if existing.is_some() && !allow_replace {
            return Err(Error::Conflict(format!("Connector {name} already exists")));
        }
        if let Some(entry) = existing {
            for (key, value) in config.iter_mut() {
                if value == HIDDEN
                    && let Some(stored) = entry.config.get(key)
                {
                    value.clone_from(stored);
                }
            }
        }
        config.insert("name".into(), name.to_owned());
        let plugin = self.check_config(&config)?;
        let launcher = &self.shared.launcher;
        if connectors.get(name).is_some_and(|e| e.config == config) {
            return Ok((Self::info_of(&connectors[name]), false));
        }
        let created = match connectors.remove(name) {
            Some(mut old) => {
                old.stop(launcher);
                let mut entry = ConnectorEntry::new(name, config.clone(), old.target, plugin);
                entry.topics = old.topics;
                self.write_config(name, Some(&config))?;
                entry.start(launcher);
                connectors.insert(name.to_owned(), entry);
                false
            }
            None => {
                self.write_config(name, Some(&config))?;
                self.write_target(name, Some(TargetState::Started))?;
                let mut entry = ConnectorEntry::new(name, config, TargetState::Started, plugin);
                entry.start(launcher);
                connectors.insert(name.to_owned(), entry);
                true
            }
        };
        let info = Self::info_of(&connectors[name]);
        Ok((info, created))
    }

    /// Changes some keys of connector `name`'s config (`PATCH /connectors/{name}/config`):
    /// `None` removes a key.
    pub fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> Result<ConnectorInfo> {
        let mut config = self.connector_config_raw(name)?;
        for (key, value) in patch {
            match value {
                Some(v) => config.insert(key, v),
                None => config.remove(&key),
            };
        }
        self.put_connector_config(name, config).map(|(info, _)| info)
    }

    /// Stops and removes connector `name`, and its config.
    pub fn delete_connector(&self, name: &str) -> Result<()> {
        let mut connectors = self.shared.connectors.lock();
        let mut entry = connectors.remove(name).ok_or_else(|| not_found(name))?;
        entry.stop(&self.shared.launcher);
        self.write_config(name, None)?;
        self.write_target(name, None)?;
        let statuses = &self.shared.launcher.statuses;
        statuses.forget(&format!("status-connector-{name}"));
        for id in 0..entry.task_configs.len() {
            statuses.forget(&format!("status-task-{name}-{id}"));
        }
        Ok(())
    }

    /// The names of the connectors.
    pub fn connectors(&self) -> Vec<String> {
        self.shared.connectors.lock().keys().cloned().collect()
    }

    fn info_of(entry: &ConnectorEntry) -> ConnectorInfo {
        ConnectorInfo {
            name: entry.name.clone(),
            config: shown_config(&entry.config, &entry.plugin),
            tasks: entry.task_configs.len() as u32,
            kind: entry.kind(),
        }
    }

    fn with_entry<T>(&self, name: &str, f: impl FnOnce(&mut ConnectorEntry, &Launcher) -> T) -> Result<T> {
        let mut connectors = self.shared.connectors.lock();
        let entry = connectors.get_mut(name).ok_or_else(|| not_found(name))?;
        Ok(f(entry, &self.shared.launcher))
    }

    /// Connector `name`'s name, config, tasks and type.
    pub fn connector_info(&self, name: &str) -> Result<ConnectorInfo> {
        self.with_entry(name, |e, _| Self::info_of(e))
    }

    /// Connector `name`'s config as written, secrets hidden.
    pub fn connector_config(&self, name: &str) -> Result<Properties> {
        self.with_entry(name, |e, _| shown_config(&e.config, &e.plugin))
    }

    fn connector_config_raw(&self, name: &str) -> Result<Properties> {
        self.with_entry(name, |e, _| e.config.clone())
    }

    /// Connector `name`'s state and its tasks'.
    pub fn connector_status(&self, name: &str) -> Result<ConnectorStatus> {
        let worker_id = self.shared.worker_id.clone();
        let mut connectors = self.shared.connectors.lock();
        let e = connectors
            .get_mut(name)
            .ok_or_else(|| Error::NotFound(format!("No status found for connector {name}")))?;
        let version = e.plugin.version();
        Ok(ConnectorStatus {
            name: e.name.clone(),
            connector: StateInfo {
                status: e.status.clone(),
                worker_id: worker_id.clone(),
                version: version.clone(),
            },
            tasks: e
                .tasks
                .iter()
                .map(|t| {
                    (
                        t.control.id,
                        StateInfo {
                            status: t.control.status(),
                            worker_id: worker_id.clone(),
                            version: version.clone(),
                        },
                    )
                })
                .collect(),
            kind: e.kind(),
        })
    }

    /// The state of task `task` of connector `name`.
    pub fn task_status(&self, name: &str, task: u32) -> Result<StateInfo> {
        let missing = || Error::NotFound(format!("No status found for task {name}-{task}"));
        let status = self.connector_status(name).map_err(|_| missing())?;
        status
            .tasks
            .into_iter()
            .find(|(id, _)| *id == task)
            .map(|(_, s)| s)
            .ok_or_else(missing)
    }

    /// The counters of task `task` of connector `name`, read with `f`.
    pub fn task_counters<T>(&self, name: &str, task: u32, f: impl FnOnce(&TaskCounters) -> T) -> Result<T> {
        self.with_entry(name, |e, _| {
            e.tasks
                .iter()
                .find(|t| t.control.id == task)
                .map(|t| f(&t.control.counters))
        })?
        .ok_or_else(|| Error::NotFound(format!("Task {name}-{task} not found")))
    }

    /// The tasks of connector `name` and their configs.
    pub fn tasks(&self, name: &str) -> Result<Vec<TaskInfo>> {
        self.with_entry(name, |e, _| {
            e.task_configs
                .iter()
                .enumerate()
                .map(|(i, c)| TaskInfo {
                    connector: e.name.clone(),
                    task: i as u32,
                    config: shown_config(&task_config_as_written(c, &e.config, &e.plugin), &e.plugin),
                })
                .collect()
        })
    }

    fn retarget(&self, name: &str, target: TargetState) -> Result<()> {
        let mut connectors = self.shared.connectors.lock();
        let entry = connectors
            .get_mut(name)
            .ok_or_else(|| Error::NotFound(format!("Unknown connector {name}")))?;
        self.write_target(name, Some(target))?;
        entry.retarget(&self.shared.launcher, target);
        Ok(())
    }

    /// Pauses connector `name`: its tasks stop polling and writing, holding their
    /// resources.
    pub fn pause(&self, name: &str) -> Result<()> {
        self.retarget(name, TargetState::Paused)
    }

    /// Resumes a paused or stopped connector.
    pub fn resume(&self, name: &str) -> Result<()> {
        self.retarget(name, TargetState::Started)
    }

    /// Stops connector `name` and its tasks, keeping its config and offsets.
    pub fn stop(&self, name: &str) -> Result<()> {
        self.retarget(name, TargetState::Stopped)
    }

    /// Restarts connector `name` (with `include_tasks`, its tasks too; with
    /// `only_failed`, only those failed). The status after, with what restarts shown as
    /// `RESTARTING`.
    pub fn restart(&self, name: &str, include_tasks: bool, only_failed: bool) -> Result<ConnectorStatus> {
        let mut before = self
            .connector_status(name)
            .map_err(|_| Error::NotFound(format!("Unknown connector: {name}")))?;
        let (connector, tasks) = self.with_entry(name, |e, l| e.restart(l, include_tasks, only_failed))?;
        if connector {
            before.connector.status = Status::new(State::Restarting);
        }
        for (id, info) in &mut before.tasks {
            if tasks.contains(id) {
                info.status = Status::new(State::Restarting);
            }
        }
        Ok(before)
    }

    /// Restarts task `task` of connector `name`.
    pub fn restart_task(&self, name: &str, task: u32) -> Result<()> {
        self.with_entry(name, |e, l| {
            if e.tasks.iter().any(|t| t.control.id == task) {
                e.restart_task(l, task);
                Ok(())
            } else {
                Err(Error::NotFound(format!("Task {name}-{task} not found")))
            }
        })?
    }

    /// The topics connector `name` has used since it was created or its topics reset.
    pub fn active_topics(&self, name: &str) -> Result<BTreeSet<String>> {
        let connectors = self.shared.connectors.lock();
        Ok(connectors
            .get(name)
            .map(|e| e.topics.lock().clone())
            .unwrap_or_default())
    }

    /// Forgets connector `name`'s active topics.
    pub fn reset_active_topics(&self, name: &str) -> Result<()> {
        if !self.config().topic_tracking_reset {
            return Err(Error::BadRequest("Topic tracking reset is disabled.".into()));
        }
        let topics = self
            .shared
            .connectors
            .lock()
            .get(name)
            .map(|e| std::mem::take(&mut *e.topics.lock()))
            .unwrap_or_default();
        for topic in topics {
            self.shared
                .launcher
                .statuses
                .forget(&format!("topic-{topic}-connector-{name}"));
        }
        Ok(())
    }

    /// Stops every connector and its tasks (their offsets committed).
    pub fn shutdown(&self) {
        let mut connectors = self.shared.connectors.lock();
        for entry in connectors.values_mut() {
            entry.stop(&self.shared.launcher);
        }
    }

    /// The validation of `config` for plugin `class` (`PUT
    /// /connector-plugins/{class}/config/validate`).
    pub fn validate(&self, class: &str, config: &Properties) -> Result<ConfigInfos> {
        let plugin = self
            .shared
            .plugins
            .find(class)
            .map_err(|_| Error::NotFound(format!("Unknown plugin {class}.")))?;
        let given = config
            .get("connector.class")
            .ok_or_else(|| Error::BadRequest("Connector config contains no connector type".into()))?;
        match self.shared.plugins.find(given) {
            Ok(p) if p.class() == plugin.class() => {}
            _ => {
                return Err(Error::BadRequest(format!(
                    "Included connector type {given} does not match request type {class}"
                )));
            }
        }
        Ok(validate::validate(
            plugin,
            config,
            &self.shared.launcher.providers,
        ))
    }
}

mod offsets_api;
