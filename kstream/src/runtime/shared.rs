//! What the application handle ([`super::KafkaStreams`]) shares with its threads: the
//! topology, the configuration, the log, the clock, the local stores and the
//! application's state.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use parking_lot::{Mutex, RwLock};
use streamlog::Cluster;
use streamlog::time::Clock;

use super::fault::{FaultAction, FaultHook, FaultPoint};
use super::lifecycle::Lifecycle;
use super::task::TaskId;
use crate::config::StreamsSettings;
use crate::dsl::Topology;
use crate::store::StateStore;

/// The local instances of each store, by store name.
pub(crate) type StoreRegistry = HashMap<String, Vec<(TaskId, Arc<StateStore>)>>;

/// What the threads share with the application handle.
pub(crate) struct Shared {
    pub(crate) topology: Topology,
    pub(crate) config: StreamsSettings,
    pub(crate) cluster: Cluster,
    /// The time the threads go by: commit and checkpoint intervals, wall-clock
    /// punctuation, how long a task waits for a lagging partition, restore deadlines.
    pub(crate) clock: Arc<dyn Clock>,
    /// Source topics (resolved) to their sub-topology.
    pub(crate) topic_subtopology: HashMap<String, usize>,
    /// Partition counts of every topic the topology writes to.
    pub(crate) partition_counts: HashMap<String, i32>,
    pub(crate) stores: RwLock<StoreRegistry>,
    /// Global tables' stores, by store name.
    pub(crate) global_stores: HashMap<String, Arc<StateStore>>,
    /// The application's state, its listener and its exception handler.
    pub(crate) lifecycle: Lifecycle,
    /// Set when the threads must stop.
    pub(crate) shutdown: AtomicBool,
    /// The threads started so far (stream threads, replacements included, and the
    /// global thread).
    pub(crate) threads: Mutex<Vec<JoinHandle<()>>>,
    /// How many stream threads were started: the next one is named after it.
    pub(crate) thread_counter: AtomicUsize,
    /// The instance's process id, once a thread asked for it.
    pub(crate) process_id: Mutex<Option<String>>,
    /// A simulation's faults, asked at each [`FaultPoint`].
    pub(crate) faults: OnceLock<FaultHook>,
    /// The producer of the threads' announcements (see [`super::metadata`]), once one
    /// announced.
    pub(crate) announcer: Mutex<Option<Box<dyn streamlog::Producer>>>,
    /// Each stream thread's active and standby tasks, by thread name.
    pub(crate) thread_metadata: Mutex<std::collections::BTreeMap<String, super::ThreadMetadata>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("application_id", &self.config.application_id)
            .field("lifecycle", &self.lifecycle)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// The application's directory under the state directory.
    pub(crate) fn app_dir(&self) -> PathBuf {
        self.config.state_dir.join(&self.config.application_id)
    }

    /// The directory of a task's persistent state.
    pub(crate) fn task_dir(&self, task: TaskId) -> PathBuf {
        self.app_dir().join(task.to_string())
    }

    /// The instance's process id, kept in the application's directory (see
    /// [`super::process_id`]).
    pub(crate) fn process_id(&self) -> crate::error::Result<String> {
        let mut id = self.process_id.lock();
        if let Some(id) = &*id {
            return Ok(id.clone());
        }
        let made = super::process_id::load_or_create(&self.app_dir())?;
        *id = Some(made.clone());
        Ok(made)
    }

    /// Whether the application runs `exactly_once_v2`.
    pub(crate) fn exactly_once(&self) -> bool {
        self.config.guarantee == crate::config::ProcessingGuarantee::ExactlyOnceV2
    }

    /// What a simulation wants to happen at `point` (nothing outside a simulation).
    pub(crate) fn fault(&self, point: FaultPoint) -> FaultAction {
        self.faults
            .get()
            .map_or(FaultAction::Continue, |hook| hook(point))
    }

    /// The clock's time, in milliseconds since the Unix epoch.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Removes a task's store instances from the registry (when the task closes),
    /// leaving any instance a newer owner of the task registered.
    pub(crate) fn unregister_stores(&self, task_stores: &[Arc<StateStore>]) {
        let mut stores = self.stores.write();
        for mine in task_stores {
            if let Some(instances) = stores.get_mut(mine.name()) {
                instances.retain(|(_, s)| !Arc::ptr_eq(s, mine));
            }
        }
    }

    /// Registers a task's store instances: the newest owner of a task's store wins.
    pub(crate) fn register_stores(&self, task: TaskId, task_stores: &[Arc<StateStore>]) {
        let mut stores = self.stores.write();
        for store in task_stores {
            let instances = stores.entry(store.name().to_owned()).or_default();
            instances.retain(|(t, _)| *t != task);
            instances.push((task, store.clone()));
        }
    }
}
