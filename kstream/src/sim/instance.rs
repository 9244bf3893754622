//! One application instance of a simulation: an application handle with one stepped
//! stream thread, its state directory, and the fault armed for it.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use streamlog::Cluster;
use streamlog::time::ManualClock;

use crate::config::StreamsConfig;
use crate::dsl::Topology;
use crate::error::Result;
use crate::runtime::{FaultAction, FaultHook, FaultPoint, KafkaStreams, SteppedThread, TaskId};

/// A fault waiting for its point in one instance.
pub(super) type Armed = Arc<Mutex<Option<(FaultPoint, FaultAction)>>>;

/// What a step of an instance did.
#[derive(Debug)]
pub(super) enum Stepped {
    /// It ran; its tasks and standby tasks when they changed.
    Ran(Option<(Vec<TaskId>, Vec<TaskId>)>),
    /// It stopped at a fault point, as a crash stops it.
    Crashed(FaultPoint),
}

/// A live instance.
struct Live {
    thread: Option<SteppedThread>,
    streams: KafkaStreams,
}

impl Drop for Live {
    fn drop(&mut self) {
        // The handle's close waits for its threads: a thread not finished by then
        // goes as a crash goes.
        if let Some(thread) = self.thread.take() {
            thread.abandon();
        }
    }
}

/// An instance, live or dead.
pub(super) struct Instance {
    live: Option<Live>,
    /// Its state directory (kept across a restart, or a new one).
    pub(super) state_dir: PathBuf,
    armed: Armed,
    /// Its tasks and standby tasks after its last step.
    tasks: (Vec<TaskId>, Vec<TaskId>),
}

impl Instance {
    pub(super) fn new(state_dir: PathBuf) -> Self {
        Self {
            live: None,
            state_dir,
            armed: Armed::default(),
            tasks: Default::default(),
        }
    }

    pub(super) fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// Starts it on `cluster`, going by `clock`.
    pub(super) fn start(
        &mut self,
        topology: Topology,
        cluster: &Cluster,
        config: StreamsConfig,
        clock: &ManualClock,
    ) -> Result<()> {
        let config = config.state_dir(&self.state_dir);
        let mut streams = KafkaStreams::with_clock(topology, cluster.clone(), config, clock.clone())?;
        let armed = self.armed.clone();
        let hook: FaultHook = Arc::new(move |point| {
            let mut armed = armed.lock();
            match *armed {
                Some((at, action)) if at == point => {
                    *armed = None;
                    action
                }
                _ => FaultAction::Continue,
            }
        });
        streams.set_fault_hook(hook);
        *self.armed.lock() = None;
        let thread = streams.start_stepped()?;
        self.tasks = Default::default();
        self.live = Some(Live {
            thread: Some(thread),
            streams,
        });
        Ok(())
    }

    /// Arms `action` at the next `point` this instance reaches.
    pub(super) fn arm(&self, point: FaultPoint, action: FaultAction) {
        *self.armed.lock() = Some((point, action));
    }

    /// Whether a refused commit waits for this instance's next commit.
    pub(super) fn armed_refusal(&self) -> bool {
        matches!(*self.armed.lock(), Some((_, FaultAction::FailCommit)))
    }

    pub(super) fn disarm(&self) {
        *self.armed.lock() = None;
    }

    /// One turn of its thread; a crash at a fault point leaves it dead.
    pub(super) fn step(&mut self) -> Result<Stepped> {
        let Some(thread) = self.live.as_mut().and_then(|live| live.thread.as_mut()) else {
            return Ok(Stepped::Ran(None));
        };
        match thread.step() {
            Ok(_) => {
                let tasks = (thread.task_ids(), thread.standby_ids());
                if tasks == self.tasks {
                    return Ok(Stepped::Ran(None));
                }
                self.tasks = tasks.clone();
                Ok(Stepped::Ran(Some(tasks)))
            }
            Err(crate::Error::Abandoned { at, .. }) => {
                self.kill();
                Ok(Stepped::Crashed(at))
            }
            Err(error) => {
                if let Some(thread) = self.live.as_mut().and_then(|live| live.thread.take()) {
                    thread.fail();
                }
                self.live = None;
                Err(error)
            }
        }
    }

    /// Drops it as a killed process goes: no commit, no goodbye to the group.
    pub(super) fn kill(&mut self) {
        self.live = None;
        self.tasks = Default::default();
    }

    /// Stops it cleanly: a last commit, then it leaves the group. A fault armed at a
    /// point of that commit stops it there, as a crash would (its point returned).
    pub(super) fn close(&mut self) -> Result<Option<FaultPoint>> {
        self.tasks = Default::default();
        let Some(mut live) = self.live.take() else {
            return Ok(None);
        };
        match live.thread.take().map(SteppedThread::finish) {
            Some(Err(crate::Error::Abandoned { at, .. })) => Ok(Some(at)),
            Some(Err(error)) => Err(error),
            Some(Ok(())) | None => Ok(None),
        }
    }

    /// Its application handle, while it lives.
    pub(super) fn streams(&self) -> Option<&KafkaStreams> {
        self.live.as_ref().map(|live| &live.streams)
    }
}
