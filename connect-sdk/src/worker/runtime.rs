//! A connector at run time: its instance, its task configs and its task threads; how
//! it starts, stops and restarts.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use streamlog::Cluster;

use super::config::WorkerConfig;
use super::plugins::{ConnectorInstance, ConnectorType, Plugin};
use super::providers::ConfigProviders;
use super::status::{State, Status, TargetState, trace_of};
use super::task::{StatusLog, TaskContext, TaskControl};
use crate::config::{ConfigReader, Properties};
use crate::error::{Error, Result};

/// A task's thread and its switches.
#[derive(Debug)]
pub(crate) struct RunningTask {
    pub(crate) control: Arc<TaskControl>,
    thread: Option<JoinHandle<()>>,
}

impl RunningTask {
    /// Waits until the task's thread ends or `deadline` passes (asked to stop before):
    /// a thread still running then is left to finish, and said so.
    fn join_until(&mut self, deadline: Instant) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            tracing::error!(
                connector = %self.control.connector,
                task = self.control.id,
                "Graceful stop of task failed: it still runs and is left to finish"
            );
        }
    }
}

/// What a worker needs to start connectors and tasks.
#[derive(Debug, Clone)]
pub(crate) struct Launcher {
    pub(crate) cluster: Cluster,
    pub(crate) worker: Arc<WorkerConfig>,
    pub(crate) providers: ConfigProviders,
    pub(crate) statuses: Arc<StatusLog>,
}

/// One connector of the worker.
pub(crate) struct ConnectorEntry {
    pub(crate) name: String,
    /// The config as written (references to config providers unresolved).
    pub(crate) config: Properties,
    pub(crate) target: TargetState,
    pub(crate) plugin: Plugin,
    pub(crate) status: Status,
    instance: Option<ConnectorInstance>,
    pub(crate) task_configs: Vec<Properties>,
    pub(crate) tasks: Vec<RunningTask>,
    pub(crate) topics: Arc<Mutex<BTreeSet<String>>>,
    /// Created paused and not resumed since: it has no tasks yet.
    pub(crate) created_paused: bool,
}

impl std::fmt::Debug for ConnectorEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorEntry")
            .field("name", &self.name)
            .field("target", &self.target)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl ConnectorEntry {
    pub(crate) fn new(name: &str, config: Properties, target: TargetState, plugin: Plugin) -> Self {
        ConnectorEntry {
            name: name.to_owned(),
            config,
            target,
            plugin,
            status: Status::new(State::Unassigned),
            instance: None,
            task_configs: Vec::new(),
            tasks: Vec::new(),
            topics: Arc::new(Mutex::new(BTreeSet::new())),
            created_paused: false,
        }
    }

    pub(crate) fn kind(&self) -> ConnectorType {
        self.plugin.kind()
    }

    fn set_status(&mut self, launcher: &Launcher, status: Status) {
        if self.status != status {
            self.status = status;
            launcher.statuses.connector(&self.name, &self.status);
        }
    }

    /// The config the connector and its tasks run with: the worker's converter settings,
    /// under the connector's own keys, provider references resolved.
    fn resolved_config(&self, launcher: &Launcher) -> Result<Properties> {
        let mut config = launcher.worker.converter_defaults();
        config.extend(launcher.providers.resolve(&self.config)?);
        Ok(config)
    }

    /// Starts the connector as its target says: running or paused with its tasks, or
    /// stopped without any. A failure shows in its status.
    pub(crate) fn start(&mut self, launcher: &Launcher) {
        if self.target == TargetState::Paused && self.created_paused {
            // Created paused (`initial_state`): no tasks until it is resumed, as Kafka.
            self.set_status(launcher, Status::new(State::Paused));
            return;
        }
        if self.target == TargetState::Stopped {
            self.task_configs.clear();
            self.set_status(launcher, Status::new(State::Stopped));
            return;
        }
        if let Err(e) = self.start_connector(launcher) {
            tracing::error!(connector = %self.name, "connector failed to start: {e}");
            self.set_status(launcher, Status::failed(trace_of(&e)));
            return;
        }
        self.set_status(launcher, Status::new(self.target.shown()));
        self.start_tasks(launcher);
    }

    fn start_connector(&mut self, launcher: &Launcher) -> Result<()> {
        let config = launcher.providers.resolve(&self.config)?;
        // As Kafka's `Worker.startConnector` builds its `ConnectorConfig`.
        crate::transforms::check_negated_transforms(&config)?;
        let mut instance = self.plugin.instance();
        instance.connector_mut().start(&config)?;
        let max_tasks = ConfigReader::new(&config).int("tasks.max", 1)?.max(1);
        let task_configs = instance.connector().task_configs(max_tasks as usize)?;
        if task_configs.len() > max_tasks as usize {
            return Err(Error::task(format!(
                "The connector {} has generated {} tasks, which is greater than {max_tasks}, the maximum number of tasks it is configured to create.",
                self.name,
                task_configs.len()
            )));
        }
        self.task_configs = task_configs;
        self.instance = Some(instance);
        Ok(())
    }

    /// Starts a thread for each task config.
    pub(crate) fn start_tasks(&mut self, launcher: &Launcher) {
        let connector_config = match self.resolved_config(launcher) {
            Ok(c) => c,
            Err(e) => {
                self.set_status(launcher, Status::failed(trace_of(&e)));
                return;
            }
        };
        for id in 0..self.task_configs.len() as u32 {
            let task = self.spawn_task(launcher, &connector_config, id);
            self.tasks.push(task);
        }
    }

    fn spawn_task(&self, launcher: &Launcher, connector_config: &Properties, id: u32) -> RunningTask {
        let control = Arc::new(TaskControl::new(
            &self.name,
            id,
            self.target,
            self.topics.clone(),
            launcher.statuses.clone(),
        ));
        let task_config = launcher
            .providers
            .resolve(&self.task_configs[id as usize])
            .unwrap_or_else(|_| self.task_configs[id as usize].clone());
        let ctx = TaskContext {
            connector_config: connector_config.clone(),
            task_config,
            cluster: launcher.cluster.clone(),
            worker: launcher.worker.clone(),
            control: control.clone(),
        };
        let thread_name = format!("task-{}-{id}", self.name);
        let spawned = match self.plugin.instance() {
            ConnectorInstance::Source(c) => {
                let task = c.create_task();
                std::thread::Builder::new()
                    .name(thread_name)
                    .spawn(move || super::source::run(ctx, task))
            }
            ConnectorInstance::Sink(c) => {
                let task = c.create_task();
                std::thread::Builder::new()
                    .name(thread_name)
                    .spawn(move || super::sink::run(ctx, task))
            }
        };
        let thread = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                control.report(Status::failed(format!("could not start the task's thread: {e}")));
                None
            }
        };
        RunningTask { control, thread }
    }

    /// Stops the tasks, waiting up to `task.shutdown.graceful.timeout.ms` for each.
    pub(crate) fn stop_tasks(&mut self, launcher: &Launcher) {
        for task in &self.tasks {
            task.control.request_stop();
        }
        let deadline = Instant::now() + launcher.worker.task_shutdown_timeout;
        for task in &mut self.tasks {
            task.join_until(deadline);
        }
        self.tasks.clear();
    }

    /// Stops the tasks, then the connector.
    pub(crate) fn stop(&mut self, launcher: &Launcher) {
        self.stop_tasks(launcher);
        if let Some(mut instance) = self.instance.take()
            && let Err(e) = instance.connector_mut().stop()
        {
            tracing::warn!(connector = %self.name, "connector stop failed: {e}");
        }
        self.set_status(launcher, Status::new(State::Unassigned));
    }

    /// Applies a new target state to a running connector.
    pub(crate) fn retarget(&mut self, launcher: &Launcher, target: TargetState) {
        let was = self.target;
        self.target = target;
        match (was, target) {
            (a, b) if a == b => {}
            (_, TargetState::Stopped) => {
                self.stop(launcher);
                self.task_configs.clear();
                self.set_status(launcher, Status::new(State::Stopped));
            }
            (TargetState::Stopped, _) => self.start(launcher),
            (TargetState::Paused, TargetState::Started) if self.created_paused => {
                self.created_paused = false;
                self.start(launcher);
            }
            (_, paused_or_started) => {
                let paused = paused_or_started == TargetState::Paused;
                for task in &self.tasks {
                    task.control.set_paused(paused);
                }
                if self.status.state != State::Failed {
                    self.set_status(launcher, Status::new(target.shown()));
                }
            }
        }
    }

    /// Restarts the connector (and, with `include_tasks`, its tasks; with `only_failed`,
    /// only what failed). What restarts.
    pub(crate) fn restart(
        &mut self,
        launcher: &Launcher,
        include_tasks: bool,
        only_failed: bool,
    ) -> (bool, Vec<u32>) {
        let connector = !only_failed || self.status.state == State::Failed;
        let tasks: Vec<u32> = if include_tasks {
            self.tasks
                .iter()
                .filter(|t| !only_failed || t.control.status().state == State::Failed)
                .map(|t| t.control.id)
                .collect()
        } else {
            Vec::new()
        };
        if connector {
            if include_tasks && tasks.len() == self.tasks.len() {
                self.stop(launcher);
                self.start(launcher);
                return (connector, tasks);
            }
            if let Some(mut instance) = self.instance.take() {
                let _ = instance.connector_mut().stop();
            }
            if self.target != TargetState::Stopped {
                match self.start_connector(launcher) {
                    Ok(()) => self.set_status(launcher, Status::new(self.target.shown())),
                    Err(e) => self.set_status(launcher, Status::failed(trace_of(&e))),
                }
            }
        }
        for id in &tasks {
            self.restart_task(launcher, *id);
        }
        (connector, tasks)
    }

    /// Restarts task `id`.
    pub(crate) fn restart_task(&mut self, launcher: &Launcher, id: u32) {
        let Some(index) = self.tasks.iter().position(|t| t.control.id == id) else {
            return;
        };
        let mut old = self.tasks.remove(index);
        old.control.request_stop();
        old.join_until(Instant::now() + launcher.worker.task_shutdown_timeout);
        let config = match self.resolved_config(launcher) {
            Ok(c) => c,
            Err(e) => {
                old.control.report(Status::failed(trace_of(&e)));
                self.tasks.insert(index, old);
                return;
            }
        };
        let task = self.spawn_task(launcher, &config, id);
        self.tasks.insert(index, task);
    }
}
