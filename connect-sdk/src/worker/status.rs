//! The states of connectors and tasks, as Kafka Connect reports them.

use std::fmt;

/// The state of a connector or a task (Kafka's `AbstractStatus.State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not started yet.
    Unassigned,
    /// Running.
    Running,
    /// Paused: tasks hold their resources and do not poll or write.
    Paused,
    /// Stopped: no tasks, no resources held.
    Stopped,
    /// Failed; the trace says why.
    Failed,
    /// Being restarted.
    Restarting,
    /// Removed.
    Destroyed,
}

impl State {
    /// The name Kafka Connect gives it (`RUNNING`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Unassigned => "UNASSIGNED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Stopped => "STOPPED",
            State::Failed => "FAILED",
            State::Restarting => "RESTARTING",
            State::Destroyed => "DESTROYED",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a connector or task, with the failure's trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The state.
    pub state: State,
    /// Why it failed (the error and its causes), when it did.
    pub trace: Option<String>,
}

impl Status {
    /// `state`, without trace.
    pub fn new(state: State) -> Self {
        Status { state, trace: None }
    }

    /// `Failed`, with `trace`.
    pub fn failed(trace: impl Into<String>) -> Self {
        Status {
            state: State::Failed,
            trace: Some(trace.into()),
        }
    }
}

/// The state a connector was asked to be in (Kafka's `TargetState`), kept with its
/// config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Running.
    Started,
    /// Paused.
    Paused,
    /// Stopped, with no tasks.
    Stopped,
}

impl TargetState {
    /// The name in the config topic (`STARTED`).
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Started => "STARTED",
            TargetState::Paused => "PAUSED",
            TargetState::Stopped => "STOPPED",
        }
    }

    /// The state of that name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "STARTED" => Some(TargetState::Started),
            "PAUSED" => Some(TargetState::Paused),
            "STOPPED" => Some(TargetState::Stopped),
            _ => None,
        }
    }

    /// The state a running connector or task shows for it.
    pub fn shown(self) -> State {
        match self {
            TargetState::Started => State::Running,
            TargetState::Paused => State::Paused,
            TargetState::Stopped => State::Stopped,
        }
    }
}

/// The error and its causes, one a line, as a failed task's trace.
pub(crate) fn trace_of(error: &(dyn std::error::Error + 'static)) -> String {
    let mut trace = format!("{}: {error}", crate_class(error));
    let mut source = error.source();
    while let Some(cause) = source {
        trace.push_str(&format!("\nCaused by: {cause}"));
        source = cause.source();
    }
    trace
}

fn crate_class(error: &(dyn std::error::Error + 'static)) -> &'static str {
    match error.downcast_ref::<crate::Error>() {
        Some(e) => e.java_class(),
        None => "org.apache.kafka.connect.errors.ConnectException",
    }
}
