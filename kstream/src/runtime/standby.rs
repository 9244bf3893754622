//! Standby tasks (`num.standby.replicas`): warm copies of other instances' stores,
//! kept up to date from their changelogs, so that when a task fails over to this
//! instance its restore starts where the standby got to and replays only the tail.
//!
//! Placement: Kafka Streams' assignor places standbys inside the group protocol;
//! librdkafka's assignors know nothing of them, so here every instance reads the
//! instances' announcements (see [`super::metadata`]) and takes the tasks
//! [`standby_placement`] gives it: the live instances form a ring in process id order
//! and a task's standbys are the instances after its owner's place. The first stream
//! thread of an instance runs its standbys. When the group gives this instance a task
//! it keeps a standby of, the standby's stores become the task's (on RocksDB and in
//! memory alike), and its restore goes on from the standby's position.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::changelog_reader::{ChangelogReader, Restorer};
use super::checkpoint::OffsetCheckpoint;
use super::metadata::{MetadataView, standby_placement};
use super::shared::Shared;
use super::task::TaskId;
use super::task_manager::Restoring;
use crate::error::Result;

/// How often the placement is looked at again.
const REFRESH_MS: i64 = 1_000;
/// How often persistent standby stores are made durable and checkpointed.
const CHECKPOINT_MS: i64 = 10_000;

/// A thread's standby tasks.
#[derive(Debug, Default)]
pub(super) struct Standbys {
    tasks: BTreeMap<TaskId, Restoring>,
    view: MetadataView,
    last_refresh: Option<i64>,
    last_checkpoint: i64,
    /// The consumer reading the standbys' changelogs.
    restorer: Restorer,
}

impl Standbys {
    /// The standby tasks.
    pub(super) fn ids(&self) -> Vec<TaskId> {
        self.tasks.keys().copied().collect()
    }

    /// When it is time to look at the placement again: the standbys to open and
    /// those to close, leaving alone the tasks in `active` (run by this instance).
    pub(super) fn plan(
        &mut self,
        shared: &Shared,
        active: &BTreeSet<TaskId>,
    ) -> Result<Option<(Vec<TaskId>, Vec<TaskId>)>> {
        let now = shared.now();
        if self.last_refresh.is_some_and(|at| now - at < REFRESH_MS) {
            return Ok(None);
        }
        self.last_refresh = Some(now);
        self.view.refresh(shared)?;
        let (owners, live) = self.view.owners_and_live(now);
        let process = shared.process_id()?;
        let wanted: BTreeSet<TaskId> =
            standby_placement(&owners, &live, &process, shared.config.num_standby_replicas)
                .into_iter()
                .filter(|id| !active.contains(id))
                .collect();
        let open = wanted
            .iter()
            .filter(|id| !self.tasks.contains_key(id))
            .copied()
            .collect();
        // A standby whose task has no live owner stays: that task is about to fail
        // over, perhaps to this instance (its owner's announcements may stop before
        // the group moves its partitions).
        let owned_elsewhere = |id: &TaskId| owners.get(id).is_some_and(|owner| live.contains(owner));
        let close = self
            .tasks
            .keys()
            .filter(|id| active.contains(id) || (!wanted.contains(id) && owned_elsewhere(id)))
            .copied()
            .collect();
        Ok(Some((open, close)))
    }

    pub(super) fn insert(&mut self, id: TaskId, standby: Restoring) {
        tracing::info!(task = %id, "standby task opened");
        self.tasks.insert(id, standby);
    }

    /// The standby of `id`, which becomes an active task here.
    pub(super) fn take(&mut self, id: TaskId) -> Option<Restoring> {
        self.tasks.remove(&id)
    }

    /// Closes the standby of `id`, its persistent stores checkpointed.
    pub(super) fn close(&mut self, shared: &Shared, id: TaskId) -> Result<()> {
        if let Some(standby) = self.tasks.remove(&id) {
            checkpoint(shared, &standby)?;
            tracing::info!(task = %id, "standby task closed");
        }
        Ok(())
    }

    /// Closes every standby (the thread stops cleanly).
    pub(super) fn close_all(&mut self, shared: &Shared) -> Result<()> {
        for id in self.ids() {
            self.close(shared, id)?;
        }
        Ok(())
    }

    /// Applies what the changelogs brought since the last turn, without waiting;
    /// checkpoints the persistent stores every `CHECKPOINT_MS`.
    pub(super) fn catch_up(&mut self, shared: &Shared, reader: &ChangelogReader, commits: u64) -> Result<()> {
        let jobs = self.tasks.values_mut().map(Restoring::job).collect();
        reader.restore(&mut self.restorer, jobs, Duration::ZERO, commits, false)?;
        let now = shared.now();
        if now - self.last_checkpoint >= CHECKPOINT_MS {
            self.last_checkpoint = now;
            for standby in self.tasks.values() {
                checkpoint(shared, standby)?;
            }
        }
        Ok(())
    }
}

/// Makes a standby's persistent stores durable and records how far they are.
fn checkpoint(shared: &Shared, standby: &Restoring) -> Result<()> {
    let persistent: Vec<_> = standby
        .task
        .stores
        .iter()
        .filter(|s| s.persistent() && s.changelog().is_some())
        .collect();
    if persistent.is_empty() {
        return Ok(());
    }
    for store in &persistent {
        store.flush_backend()?;
    }
    let positions = standby.progress.positions();
    let file = OffsetCheckpoint::new(shared.task_dir(standby.task.id).join(".checkpoint"));
    file.write(&positions)
}
