//! A task: the instance of one sub-topology for one partition, with its stores.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use streamlog::{OffsetAndMetadata, ProducerRecord, Record, TopicPartition};

use crate::config::RecordHandling;
use crate::dsl::Topology;
use crate::error::{Error, Result};
use crate::graph::{Instantiation, Lifecycle, RawSource};
use crate::processor::{Failed, PunctuationType, TaskCtx};
use crate::store::{KeyValueBackend, StateStore, StoreSpec};

/// Which sub-topology and partition a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    /// The sub-topology: its place among the sub-topologies that make tasks, in the
    /// order of `describe()`. `describe()` numbers global stores too, as Kafka Streams
    /// does, so its ids are larger than this when a global table comes first; the task
    /// ids keep this numbering, which names the tasks' state directories.
    pub subtopology: usize,
    /// The partition of its source topics.
    pub partition: i32,
}

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.subtopology, self.partition)
    }
}

/// Makes the backend of a store for a task.
pub(crate) type BackendFactory<'a> = dyn Fn(&StoreSpec, TaskId) -> Result<Box<dyn KeyValueBackend>> + 'a;

/// A source node instance of a task.
type SourceRef = Rc<RefCell<dyn RawSource>>;

pub(crate) struct Task {
    pub(crate) id: TaskId,
    pub(crate) ctx: TaskCtx,
    /// Sources by topic: a task reads a few topics, so a list searched in order.
    sources: Vec<(String, SourceRef)>,
    nodes: Vec<Box<dyn Lifecycle>>,
    pub(crate) stores: Vec<Arc<StateStore>>,
    /// The next offset to commit per input partition (keyed by the record's shared
    /// topic name, so the hot path does not allocate).
    consumed: Vec<((Arc<str>, i32), i64)>,
    /// The source of the last record, by its shared topic name.
    last_source: Option<(Arc<str>, SourceRef)>,
}

impl Task {
    pub(crate) fn new(
        topology: &Topology,
        application_id: &str,
        id: TaskId,
        handling: RecordHandling,
        backend: &BackendFactory<'_>,
        globals: &HashMap<String, Arc<StateStore>>,
    ) -> Result<Task> {
        let graph = &topology.graph;
        let groups = graph.subtopologies();
        let group = groups
            .get(id.subtopology)
            .ok_or_else(|| Error::Topology(format!("no sub-topology {}", id.subtopology)))?;
        let mut ctx = TaskCtx {
            handling,
            ..TaskCtx::default()
        };
        ctx.unavailable.timeout = ctx.handling.task_timeout;
        let mut stores = Vec::new();
        for name in graph.group_stores(group) {
            let spec = &graph.stores[&name];
            if spec.global {
                let store = globals
                    .get(&name)
                    .ok_or_else(|| Error::Topology(format!("global store `{name}` was not created")))?;
                ctx.stores.insert(name.clone(), spec.task_store(store.clone()));
                continue;
            }
            let changelog = spec
                .logged
                .then(|| (Arc::from(changelog_topic(application_id, &name)), id.partition));
            let store = Arc::new(StateStore::new(&name, backend(spec, id)?, changelog, spec.layout));
            ctx.stores.insert(name.clone(), spec.task_store(store.clone()));
            stores.push(store);
        }
        let mut inst = Instantiation::new(graph, application_id);
        inst.build(group)?;
        Ok(Task {
            id,
            ctx,
            sources: inst.sources.into_iter().collect(),
            nodes: inst.nodes,
            stores,
            consumed: Vec::new(),
            last_source: None,
        })
    }

    /// Initializes every processor (after the stores are restored).
    pub(crate) fn init(&mut self, wall: i64) -> Result<()> {
        self.ctx.wall_time = wall;
        for (i, node) in self.nodes.iter().enumerate() {
            self.ctx.current_node = i;
            node.init(&mut self.ctx)?;
        }
        Ok(())
    }

    /// The topics this task reads.
    pub(crate) fn topics(&self) -> impl Iterator<Item = &str> {
        self.sources.iter().map(|(t, _)| t.as_str())
    }

    /// Processes one record: its timestamp becomes event time; an undecodable record
    /// (bad data) follows the deserialization handler. A serde whose dependency is
    /// unavailable is retried on this record until `task.timeout.ms`, then the error
    /// is returned with the record not counted as consumed, so its offset is not
    /// committed.
    pub(crate) fn process(&mut self, record: &Record, wall: i64) -> Result<()> {
        let Some(source) = self.source_of(&record.topic) else {
            return Err(Error::Topology(format!(
                "task {} has no source for topic `{}`",
                self.id, record.topic
            )));
        };
        let own = source.borrow().timestamp(record, self.ctx.stream_time);
        let timestamp =
            own.unwrap_or_else(|| self.ctx.handling.extractor.extract(record, self.ctx.stream_time));
        if !Arc::ptr_eq(&self.ctx.meta.topic, &record.topic) {
            self.ctx.meta.topic = record.topic.clone();
        }
        self.ctx.meta.partition = record.partition;
        self.ctx.meta.offset = record.offset;
        self.ctx.meta.timestamp = timestamp;
        self.ctx.meta.headers = record.headers.clone();
        self.ctx.wall_time = wall;
        self.ctx.stream_time = self.ctx.stream_time.max(timestamp);
        let result = source.borrow_mut().process_raw(&mut self.ctx, record);
        match result {
            // Only bad data is an `Error::Deserialize`; an unavailable dependency
            // comes back as `Error::SerdeUnavailable` and fails the task.
            Err(e @ Error::Deserialize { .. }) => self.handle_bad_record(record, e)?,
            other => other?,
        }
        let next = record.offset + 1;
        match self.consumed.iter_mut().find(|((t, p), _)| {
            *p == record.partition && (Arc::ptr_eq(t, &record.topic) || **t == *record.topic)
        }) {
            Some((_, o)) => *o = next,
            None => self
                .consumed
                .push(((record.topic.clone(), record.partition), next)),
        }
        self.punctuate(PunctuationType::StreamTime, self.ctx.stream_time)
    }

    /// The source reading `topic`: the one of the last record when the topic is the
    /// same shared name, else found by name.
    fn source_of(&mut self, topic: &Arc<str>) -> Option<SourceRef> {
        if let Some((name, source)) = &self.last_source
            && Arc::ptr_eq(name, topic)
        {
            return Some(source.clone());
        }
        let source = self.sources.iter().find(|(t, _)| **t == **topic)?.1.clone();
        self.last_source = Some((topic.clone(), source.clone()));
        Some(source)
    }

    fn handle_bad_record(&mut self, record: &Record, error: Error) -> Result<()> {
        self.ctx.handle_failure(
            Failed::Deserializing,
            error,
            record.key.clone(),
            record.value.clone(),
        )
    }

    /// Fires the punctuations of `kind` that are due at `now`.
    pub(crate) fn punctuate(&mut self, kind: PunctuationType, now: i64) -> Result<()> {
        if kind == PunctuationType::WallClockTime {
            self.ctx.wall_time = now;
        }
        for i in 0..self.ctx.schedules.len() {
            let s = &self.ctx.schedules[i];
            if s.kind != kind || s.next > now {
                continue;
            }
            let node = s.node;
            let interval = s.interval;
            self.ctx.schedules[i].next = now.saturating_add(interval);
            self.ctx.current_node = node;
            self.nodes[node].punctuate(&mut self.ctx, kind, now)?;
        }
        Ok(())
    }

    /// The next offset to commit per input partition.
    pub(crate) fn consumed(&self) -> impl Iterator<Item = (TopicPartition, i64)> + '_ {
        self.consumed
            .iter()
            .map(|((t, p), o)| (TopicPartition::new(&**t, *p), *o))
    }

    /// [`consumed`](Self::consumed), each offset with the task's stream time as the
    /// note kept beside it.
    pub(crate) fn committable(&self) -> impl Iterator<Item = (TopicPartition, OffsetAndMetadata)> + '_ {
        let note = super::stream_time::encode(self.ctx.stream_time);
        self.consumed().map(move |(tp, offset)| {
            (
                tp,
                OffsetAndMetadata {
                    offset,
                    metadata: note.clone(),
                },
            )
        })
    }

    /// Starts the task's stream time where the notes of its committed offsets say it
    /// was (the latest of them).
    pub(crate) fn resume_stream_time<'n>(&mut self, notes: impl Iterator<Item = &'n str>) {
        if let Some(time) = notes.filter_map(super::stream_time::decode).max() {
            self.ctx.stream_time = self.ctx.stream_time.max(time);
        }
    }

    /// Forwards what the operations' record caches hold, upstream operations first (a
    /// downstream cache takes what an upstream one forwards, then flushes too), and
    /// applies the stores' write caches, queueing their changelog records: the state
    /// side of a commit.
    pub(crate) fn commit_state(&mut self, durable: bool) -> Result<()> {
        for node in self.nodes.iter().rev() {
            node.flush_cache(&mut self.ctx)?;
        }
        self.flush_stores(durable)
    }

    /// Applies the stores' caches and queues their changelog records.
    fn flush_stores(&mut self, durable: bool) -> Result<()> {
        for store in &self.stores {
            store.flush(&mut self.ctx.out, durable)?;
        }
        Ok(())
    }

    /// Writes what the last [`commit_state`](Self::commit_state) staged to the stores'
    /// backends, once its transaction committed (exactly-once); with `durable`, makes
    /// persistent stores durable too.
    pub(crate) fn apply_staged(&self, durable: bool) -> Result<()> {
        for store in &self.stores {
            store.apply_staged(durable)?;
        }
        Ok(())
    }

    /// Whether a store's cache has grown past `max` keys.
    pub(crate) fn cache_full(&self, max: usize) -> bool {
        self.stores.iter().any(|s| s.cached() > max)
    }

    /// The records produced since the last call.
    pub(crate) fn take_output(&mut self) -> Vec<ProducerRecord> {
        std::mem::take(&mut self.ctx.out)
    }
}

/// The changelog topic of a store.
pub fn changelog_topic(application_id: &str, store: &str) -> String {
    format!("{application_id}-{store}-changelog")
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id)
            .field(
                "stores",
                &self.stores.iter().map(|s| s.name()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
