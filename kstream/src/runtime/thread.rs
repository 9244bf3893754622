//! A stream thread (Kafka Streams' `StreamThread`): one consumer in the application's
//! group and one producer; it polls, hands the records to its tasks, pauses partitions
//! with full buffers, punctuates, and commits at each interval. Its
//! [`TaskManager`] creates and closes the tasks as the group moves partitions.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use parking_lot::Mutex;
use streamlog::{Admin, Consumer, OffsetCommitter, Producer, RebalanceListener, TopicPartition};

use super::lifecycle::{StreamThreadExceptionResponse, ThreadState};
use super::shared::Shared;
use super::task::TaskId;
use super::task_manager::TaskManager;
use crate::error::{Error, Result, StoppedWaiting};

/// How long a task waits for a partition that has data in the log but none fetched,
/// before it processes the other partitions' records anyway. Kafka Streams waits for
/// such a partition as long as it takes (its `max.task.idle.ms` only adds time for
/// partitions with nothing left to fetch): running ahead on one side of a windowed
/// join would age the other side's records out of the join window. The bound only
/// keeps a partition that cannot be fetched from stopping the task for good.
const MAX_TASK_IDLE_MS: i64 = 60_000;
/// How long one poll waits for records.
const POLL_TIMEOUT: Duration = Duration::from_millis(100);

/// Partition changes seen in the rebalance callbacks, applied after `poll` returns.
#[derive(Debug, Default)]
struct Changes {
    assigned: Vec<TopicPartition>,
    revoked: Vec<TopicPartition>,
    /// Whether the group gave this thread its partitions (maybe none) since the last
    /// poll.
    assignment_received: bool,
    /// A simulated crash inside the commit before the partitions went: the thread
    /// stops once the poll returns.
    abandoned: Option<Error>,
}

/// A running stream thread's tasks and producer.
type Running = (Rc<RefCell<TaskManager>>, Arc<dyn Producer>);

thread_local! {
    /// The tasks and producer of the stream thread running on this OS thread, for its
    /// rebalance listener: the backends call it inside the thread's own `poll`.
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
}

/// Makes a stream thread the one [`RUNNING`] on this OS thread while it lives (a
/// simulation steps several on one OS thread, one at a time).
struct RunningGuard;

impl RunningGuard {
    fn install(tasks: &Rc<RefCell<TaskManager>>, producer: &Arc<dyn Producer>) -> Self {
        RUNNING.with(|running| *running.borrow_mut() = Some((tasks.clone(), producer.clone())));
        RunningGuard
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        RUNNING.with(|running| running.borrow_mut().take());
    }
}

/// Hears the group's rebalances: records the changes for the loop, and commits every
/// task before partitions go (as Kafka Streams does on revocation), so that their next
/// owner starts where this thread stopped rather than at the last interval's commit.
struct Listener(Arc<Mutex<Changes>>);

impl RebalanceListener for Listener {
    fn on_partitions_assigned(&mut self, _: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        let mut changes = self.0.lock();
        changes.assigned.extend_from_slice(partitions);
        changes.assignment_received = true;
    }
    fn on_partitions_revoked(&mut self, consumer: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        self.0.lock().revoked.extend_from_slice(partitions);
        RUNNING.with(|running| {
            let running = running.borrow();
            // The loop never holds the tasks while it polls.
            let Some((tasks, producer)) = running.as_ref() else {
                return;
            };
            let Ok(mut tasks) = tasks.try_borrow_mut() else {
                return;
            };
            match tasks.commit(consumer, &**producer, false) {
                Ok(()) => {}
                Err(e @ Error::Abandoned { .. }) => self.0.lock().abandoned = Some(e),
                // The next owner redoes the records since the last commit (at least
                // once).
                Err(e) => tracing::warn!(error = %e, "committing before the partitions go failed"),
            }
        });
    }
}

/// The next free stream thread name (`<application.id>-StreamThread-<n>`), counted
/// by the application as a thread that is starting: until it runs its tasks, the
/// application is `Rebalancing`.
pub(crate) fn register_stream_thread(shared: &Shared) -> String {
    let n = shared.thread_counter.fetch_add(1, Ordering::SeqCst) + 1;
    let name = format!("{}-StreamThread-{n}", shared.config.application_id);
    shared.lifecycle.stream_thread_started(&name);
    name
}

/// Tells the application that a thread ended, however it ends: a thread that panics
/// (a processor's panic) shuts the client down to `Error`, so that `close` does not
/// wait for it forever.
pub(crate) struct ExitGuard {
    pub(crate) shared: Arc<Shared>,
    pub(crate) thread: String,
    /// Whether it is a stream thread (else the global thread).
    pub(crate) stream_thread: bool,
}

impl std::fmt::Debug for ExitGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExitGuard")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.shared
                .lifecycle
                .fail(&self.thread, Arc::new(Error::ThreadPanicked));
            self.shared.shutdown.store(true, Ordering::SeqCst);
        }
        let stream_thread = self.stream_thread.then_some(self.thread.as_str());
        self.shared.lifecycle.thread_stopped(stream_thread);
    }
}

/// Starts a stream thread, registered first with [`register_stream_thread`].
pub(crate) fn spawn_stream_thread(shared: &Arc<Shared>, name: String) -> Result<()> {
    let exit = ExitGuard {
        shared: shared.clone(),
        thread: name.clone(),
        stream_thread: true,
    };
    let spawned = std::thread::Builder::new().name(name.clone()).spawn(move || {
        let shared = &exit.shared;
        let result = StreamThread::new(shared.clone(), exit.thread.clone()).and_then(StreamThread::run);
        match result {
            // Closing stopped a record's wait for an unavailable dependency: a clean
            // stop, with the record neither processed nor committed.
            Err(Error::SerdeUnavailable {
                stopped: StoppedWaiting::Closing,
                topic,
                partition,
                offset,
                ..
            }) => tracing::info!(thread = %exit.thread, %topic, partition, offset, "closed while a record waited for an unavailable dependency"),
            Err(error) => on_thread_failure(shared, &exit.thread, error, true),
            Ok(()) => {}
        }
    });
    match spawned {
        Ok(handle) => {
            shared.threads.lock().push(handle);
            Ok(())
        }
        // The closure, with the guard, was dropped: the thread is counted out.
        Err(source) => Err(Error::ThreadSpawn { thread: name, source }),
    }
}

/// Asks the uncaught-exception handler what to do about a thread's failure, and does
/// it: a new stream thread in place of this one, or the client shuts down.
pub(crate) fn on_thread_failure(shared: &Arc<Shared>, thread: &str, error: Error, replaceable: bool) {
    tracing::error!(thread, %error, "thread stopped");
    let response = (shared.lifecycle.handler())(&error);
    let error = Arc::new(error);
    let shutting_down = shared.shutdown.load(Ordering::SeqCst);
    match response {
        StreamThreadExceptionResponse::ReplaceThread if shutting_down => {}
        StreamThreadExceptionResponse::ReplaceThread if replaceable => {
            match spawn_stream_thread(shared, register_stream_thread(shared)) {
                Ok(()) => {
                    tracing::info!(thread, "replaced by a new stream thread");
                    return;
                }
                Err(e) => tracing::error!(thread, error = %e, "cannot replace the thread; shutting down"),
            }
        }
        StreamThreadExceptionResponse::ShutdownApplication => tracing::warn!(
            thread,
            "shutting down this client only: other instances of the application are not asked to"
        ),
        _ => {}
    }
    shared.lifecycle.fail(thread, error);
    shared.shutdown.store(true, Ordering::SeqCst);
}

/// A stream thread its caller steps on its own OS thread (a simulation's instance):
/// counted by the application as a running thread until it finishes or is abandoned.
#[derive(Debug)]
pub(crate) struct SteppedThread {
    thread: StreamThread,
    _exit: ExitGuard,
}

impl SteppedThread {
    pub(crate) fn new(shared: Arc<Shared>, name: String) -> Result<Self> {
        let exit = ExitGuard {
            shared: shared.clone(),
            thread: name.clone(),
            stream_thread: true,
        };
        let thread = StreamThread::new(shared, name)?;
        thread.tasks.borrow_mut().restore_without_waiting();
        Ok(Self { thread, _exit: exit })
    }

    /// One turn of the thread's loop, with a poll that does not wait.
    pub(crate) fn step(&mut self) -> Result<usize> {
        self.thread.step(Duration::ZERO)
    }

    /// A clean stop (a last commit, the group left).
    pub(crate) fn finish(self) -> Result<()> {
        self.thread.finish()
    }

    /// Dropped as a crash drops it ([`StreamThread::abandon`]).
    pub(crate) fn abandon(self) {
        self.thread.abandon();
    }

    /// Stopped after an error ([`StreamThread::fail`]).
    pub(crate) fn fail(self) {
        self.thread.fail();
    }

    /// The tasks the thread runs.
    pub(crate) fn task_ids(&self) -> Vec<TaskId> {
        self.thread.task_ids()
    }

    /// The standby tasks the thread keeps.
    pub(crate) fn standby_ids(&self) -> Vec<TaskId> {
        self.thread.tasks.borrow().standby_ids()
    }
}

/// One stream thread.
pub(crate) struct StreamThread {
    shared: Arc<Shared>,
    name: String,
    consumer: Box<dyn Consumer>,
    producer: Arc<dyn Producer>,
    changes: Arc<Mutex<Changes>>,
    /// Shared with the rebalance listener, which commits them; never held across a
    /// poll.
    tasks: Rc<RefCell<TaskManager>>,
    /// The last end offset seen per input partition.
    ends: HashMap<TopicPartition, i64>,
    /// The group gave the thread its partitions and the thread has not said it runs
    /// yet: it does once their tasks are restored.
    awaiting_running: bool,
    /// The thread's tasks changed and the other instances were not told yet.
    announce_pending: bool,
    /// When the thread last announced itself.
    last_announce: Option<i64>,
    admin: Box<dyn Admin>,
}

impl std::fmt::Debug for StreamThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamThread")
            .field("name", &self.name)
            .field("tasks", &self.tasks)
            .finish_non_exhaustive()
    }
}

impl StreamThread {
    pub(crate) fn new(shared: Arc<Shared>, name: String) -> Result<Self> {
        let app = shared.config.application_id.clone();
        let mut consumer_config = shared
            .config
            .client
            .clone()
            .group_id(app.as_str())
            .client_id(name.as_str())
            .set("enable.auto.commit", "false")
            .set("partition.assignment.strategy", "range");
        // Kafka Streams' default; `auto.offset.reset` in the configuration overrides it.
        if consumer_config.get("auto.offset.reset").is_none() {
            consumer_config.insert("auto.offset.reset", "earliest");
        }
        if shared.cluster.backend_name() == "kafka" && consumer_config.get("fetch.queue.backoff.ms").is_none()
        {
            // librdkafka stops fetching a partition for this long once its queue holds
            // `queued.min.messages`: at its default of 1 s, a task waiting for one of
            // its partitions (a join's other side) waits a second on every refill.
            consumer_config.insert("fetch.queue.backoff.ms", "10");
        }
        let mut producer_config = shared.config.client.clone().client_id(format!("{name}-producer"));
        if shared.exactly_once() {
            // Kafka Streams' settings under exactly_once_v2: only committed records are
            // read, and the thread's producer is transactional, named after the
            // instance's process id so that a restarted instance fences its
            // predecessor's producer at once.
            consumer_config.insert("isolation.level", "read_committed");
            let thread = name.rsplit('-').next().unwrap_or("1");
            let id = format!("{app}-{}-{thread}", shared.process_id()?);
            producer_config.insert("transactional.id", &id);
            if producer_config.get("transaction.timeout.ms").is_none() {
                producer_config.insert("transaction.timeout.ms", "10000");
            }
        }
        let mut consumer = shared.cluster.consumer(&consumer_config)?;
        let producer: Arc<dyn Producer> = Arc::from(shared.cluster.producer(&producer_config)?);
        if shared.exactly_once() {
            producer.init_transactions(Duration::from_secs(60))?;
        }
        let changes = Arc::new(Mutex::new(Changes::default()));
        let admin = shared.cluster.admin()?;
        let topics: Vec<&str> = shared.topic_subtopology.keys().map(String::as_str).collect();
        let tasks = Rc::new(RefCell::new(TaskManager::new(shared.clone(), name.clone())));
        consumer.subscribe_with_listener(&topics, Box::new(Listener(changes.clone())))?;
        Ok(Self {
            tasks,
            shared,
            name,
            consumer,
            producer,
            changes,
            ends: HashMap::new(),
            awaiting_running: false,
            announce_pending: false,
            last_announce: None,
            admin,
        })
    }

    /// Processes until the application shuts down, then commits and leaves the group.
    /// On an error the tasks are closed without committing and the consumer leaves the
    /// group, so the tasks' next owner starts from the last commit.
    pub(crate) fn run(mut self) -> Result<()> {
        let mut result = Ok(());
        while result.is_ok() && !self.shared.shutdown.load(Ordering::SeqCst) {
            result = self.step(POLL_TIMEOUT).map(|_| ());
        }
        match result {
            Ok(()) => self.finish(),
            Err(error) => self.stop_after(error),
        }
    }

    /// Stops after `error`: as a crash leaves it for a simulated crash, else failed.
    fn stop_after(self, error: Error) -> Result<()> {
        if matches!(error, Error::Abandoned { .. }) {
            self.abandon();
        } else {
            self.fail();
        }
        Err(error)
    }

    /// A simulated crash: the clients are left as a dead process leaves them (a group
    /// member that no longer polls, an open transaction), and the stores go without a
    /// flush or a checkpoint.
    pub(crate) fn abandon(self) {
        tracing::warn!(thread = %self.name, "abandoned (simulated crash)");
        self.unpublish_thread_metadata();
        std::mem::forget(self.consumer);
        std::mem::forget(self.producer);
        self.tasks.borrow_mut().close_all();
    }

    /// After an error: the open transaction is aborted, the tasks closed without
    /// committing, and the consumer leaves the group.
    pub(crate) fn fail(mut self) {
        self.unpublish_thread_metadata();
        let mut tasks = self.tasks.borrow_mut();
        tasks.abort(&*self.producer);
        tasks.close_all();
        drop(tasks);
        if let Err(e) = self.consumer.close() {
            tracing::warn!(thread = %self.name, error = %e, "closing the consumer of a failed thread");
        }
    }

    /// One turn of the loop: a poll (waiting up to `poll_timeout` for records), the
    /// group's changes, the records to their tasks, punctuation, output, and a commit
    /// when one is due. How many records the poll brought.
    pub(crate) fn step(&mut self, poll_timeout: Duration) -> Result<usize> {
        let _running = RunningGuard::install(&self.tasks, &self.producer);
        // Partitions moved before this poll are read from where they were moved to.
        self.tasks.borrow_mut().take_repositioned();
        let mut records = self.consumer.poll(poll_timeout)?;
        let polled = records.len();
        self.apply_rebalance()?;
        let mut tasks = self.tasks.borrow_mut();
        if tasks.is_restoring() {
            tasks.restore_pending(&mut *self.consumer)?;
        }
        if self.awaiting_running && !tasks.is_restoring() {
            // Every task the group gave the thread is restored: it runs.
            self.awaiting_running = false;
            self.shared
                .lifecycle
                .stream_thread_is(&self.name, ThreadState::Running);
        }
        tasks.maintain_standbys()?;
        let repositioned = tasks.take_repositioned();
        drop(tasks);
        self.announce();
        self.publish_thread_metadata();
        if !repositioned.is_empty() {
            records.retain(|r| {
                !repositioned
                    .iter()
                    .any(|tp| tp.partition == r.partition && *tp.topic == *r.topic)
            });
        }
        if self.tasks.borrow().needs_revive() {
            // The records polled come after the last commit's offsets: the tasks
            // go back there and read them again.
            self.tasks.borrow_mut().revive(&mut *self.consumer)?;
            return Ok(polled);
        }
        let wall = self.shared.now();
        for record in records {
            self.tasks.borrow_mut().add_record(record, wall)?;
        }
        self.tasks
            .borrow_mut()
            .pause_full_partitions(&mut *self.consumer)?;
        let mut commit_now = false;
        let ids = self.tasks.borrow_mut().task_ids();
        for id in ids {
            let lagging = self.lagging(id)?;
            commit_now |= self
                .tasks
                .borrow_mut()
                .process_queued(id, &lagging, MAX_TASK_IDLE_MS, wall)?;
        }
        let mut tasks = self.tasks.borrow_mut();
        tasks.punctuate_wall_clock(wall)?;
        tasks.send_output(&*self.producer)?;
        if commit_now || tasks.commit_due(self.shared.now()) {
            tasks.commit(&mut *self.consumer, &*self.producer, false)?;
        }
        Ok(polled)
    }

    /// A clean stop: a last commit, the tasks closed, the group left.
    pub(crate) fn finish(mut self) -> Result<()> {
        match self.finish_in_place() {
            Ok(()) => Ok(()),
            Err(error) => self.stop_after(error),
        }
    }

    fn finish_in_place(&mut self) -> Result<()> {
        let _running = RunningGuard::install(&self.tasks, &self.producer);
        let mut tasks = self.tasks.borrow_mut();
        tasks.commit(&mut *self.consumer, &*self.producer, true)?;
        tasks.close_all();
        tasks.close_standbys()?;
        drop(tasks);
        self.unpublish_thread_metadata();
        self.consumer.close()?;
        if let Err(e) = super::metadata::withdraw(&self.shared, &self.name) {
            tracing::warn!(thread = %self.name, error = %e, "withdrawing the thread's announcement failed");
        }
        Ok(())
    }

    /// The names of the tasks the thread runs.
    pub(crate) fn task_ids(&self) -> Vec<TaskId> {
        self.tasks.borrow().task_ids()
    }

    /// Applies the partitions the rebalance callbacks saw, telling the application
    /// where the thread is.
    fn apply_rebalance(&mut self) -> Result<()> {
        let Changes {
            assigned,
            revoked,
            assignment_received,
            abandoned,
        } = std::mem::take(&mut *self.changes.lock());
        if let Some(abandoned) = abandoned {
            return Err(abandoned);
        }
        if !assignment_received && revoked.is_empty() {
            return Ok(());
        }
        self.shared
            .lifecycle
            .stream_thread_is(&self.name, ThreadState::Rebalancing);
        self.tasks
            .borrow_mut()
            .handle_rebalance(&mut *self.consumer, &assigned, &revoked)?;
        self.awaiting_running = assignment_received;
        if assignment_received {
            self.announce_pending = true;
        }
        Ok(())
    }

    /// Tells the other instances which tasks this thread now runs, and again every
    /// heartbeat (standby placement counts silent instances out); retried at the next
    /// turn when the log is away.
    fn announce(&mut self) {
        let now = self.shared.now();
        let heartbeat = self
            .last_announce
            .is_some_and(|at| now - at >= super::metadata::HEARTBEAT_MS);
        if !self.announce_pending && !heartbeat {
            return;
        }
        let tasks = self.tasks.borrow().assigned_task_ids();
        match super::metadata::announce(&self.shared, &self.name, &tasks) {
            Ok(()) => {
                self.announce_pending = false;
                self.last_announce = Some(now);
            }
            Err(e) => {
                tracing::warn!(thread = %self.name, error = %e, "announcing the thread's tasks failed; retrying")
            }
        }
    }

    /// Updates what
    /// [`KafkaStreams::metadata_for_local_threads`](crate::KafkaStreams::metadata_for_local_threads)
    /// says of this thread.
    fn publish_thread_metadata(&self) {
        let tasks = self.tasks.borrow();
        let metadata = super::ThreadMetadata {
            thread_name: self.name.clone(),
            active_tasks: tasks.assigned_task_ids(),
            standby_tasks: tasks.standby_ids(),
        };
        let mut all = self.shared.thread_metadata.lock();
        if all.get(&self.name) != Some(&metadata) {
            all.insert(self.name.clone(), metadata);
        }
    }

    /// Takes this thread out of the local thread metadata.
    fn unpublish_thread_metadata(&self) {
        self.shared.thread_metadata.lock().remove(&self.name);
    }

    /// The task's input partitions with more in the log than fetched so far: the task
    /// waits for one of them once its buffer is empty.
    fn lagging(&mut self, id: TaskId) -> Result<BTreeSet<TopicPartition>> {
        let mut lagging = BTreeSet::new();
        let Some(partitions) = self
            .tasks
            .borrow_mut()
            .partitions_of(id)
            .map(|p| p.cloned().collect::<Vec<TopicPartition>>())
        else {
            return Ok(lagging);
        };
        if partitions.len() < 2 {
            // One partition: there is no order across partitions to wait for.
            return Ok(lagging);
        }
        // A partition with records buffered counts too: it may drain while the task
        // runs, with more in the log not fetched yet (its position, the next offset to
        // fetch, is short of the log's end), and the task must then wait for it rather
        // than run ahead on the others. The log is asked for an end only when the end
        // last seen is reached.
        for tp in &partitions {
            // Nothing fetched yet: the position is the log's start.
            let position = self.consumer.position(tp).unwrap_or(0);
            let known = self.ends.get(tp).copied().unwrap_or(0);
            let end = if position < known {
                known
            } else {
                let end = self.admin.watermarks(tp)?.high;
                self.ends.insert(tp.clone(), end);
                end
            };
            if position < end {
                lagging.insert(tp.clone());
            }
        }
        Ok(lagging)
    }
}
