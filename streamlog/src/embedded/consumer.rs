//! Consumer of the embedded backend.

use std::sync::Arc;
use std::time::Duration;

use super::Shared;
use super::group::{Strategy, SyncState};
use super::log::ReadTarget;
use super::topics::TopicLog;
use crate::client::{
    Consumer, GroupMetadata, GroupMetadataInner, NoopListener, OffsetCommitter, RebalanceListener,
};
use crate::config::{AutoOffsetReset, ClientConfig, IsolationLevel};
use crate::error::{Error, Result};
use crate::record::{Offset, OffsetAndMetadata, Record, TopicPartition};
use crate::time::Deadline;

struct Settings {
    group_id: Option<String>,
    reset: AutoOffsetReset,
    isolation: IsolationLevel,
    max_poll_records: usize,
    auto_commit: bool,
    auto_commit_interval_ms: i64,
    max_poll_interval_ms: i64,
    strategy: Strategy,
}

struct Membership {
    group: String,
    member: u64,
    topics: Vec<String>,
    listener: Box<dyn RebalanceListener>,
    /// The generation whose assignment this consumer holds.
    generation: Option<i32>,
}

struct Assigned {
    tp: TopicPartition,
    topic: Arc<TopicLog>,
    /// `None` until the first fetch resolves it from the committed offset or the reset
    /// policy.
    position: Option<i64>,
    paused: bool,
}

pub(super) struct EmbeddedConsumer {
    shared: Arc<Shared>,
    settings: Settings,
    membership: Option<Membership>,
    assigned: Vec<Assigned>,
    /// Where the next fetch starts among the assigned partitions, for fairness.
    cursor: usize,
    last_auto_commit: i64,
    closed: bool,
}

impl EmbeddedConsumer {
    pub(super) fn new(shared: Arc<Shared>, config: &ClientConfig) -> Result<Self> {
        let settings = Settings {
            group_id: config.get("group.id").map(str::to_owned),
            reset: config.auto_offset_reset_value()?,
            isolation: config.isolation_level_value()?,
            max_poll_records: config.max_poll_records_value()?,
            auto_commit: config.flag("enable.auto.commit", true)?,
            auto_commit_interval_ms: config.parsed(
                "auto.commit.interval.ms",
                5_000,
                "a number of milliseconds",
            )?,
            max_poll_interval_ms: config.parsed(
                "max.poll.interval.ms",
                300_000,
                "a number of milliseconds",
            )?,
            strategy: Strategy::parse(config.get("partition.assignment.strategy"))?,
        };
        let now = shared.now();
        Ok(Self {
            shared,
            settings,
            membership: None,
            assigned: Vec::new(),
            cursor: 0,
            last_auto_commit: now,
            closed: false,
        })
    }

    fn ensure_open(&self) -> Result<()> {
        if self.closed {
            Err(Error::Closed { what: "consumer" })
        } else {
            Ok(())
        }
    }

    fn group_id(&self) -> Result<&str> {
        self.settings.group_id.as_deref().ok_or(Error::NoGroupId)
    }

    fn assigned_mut(&mut self, tp: &TopicPartition) -> Result<&mut Assigned> {
        self.assigned
            .iter_mut()
            .find(|a| a.tp == *tp)
            .ok_or_else(|| Error::NotAssigned {
                topic: tp.topic.clone(),
                partition: tp.partition,
            })
    }

    /// Runs `f` with the listener taken out, so it can borrow the consumer.
    fn with_listener(&mut self, f: impl FnOnce(&mut dyn RebalanceListener, &mut Self)) {
        let Some(m) = self.membership.as_mut() else { return };
        let mut listener = std::mem::replace(&mut m.listener, Box::new(NoopListener));
        f(listener.as_mut(), self);
        if let Some(m) = self.membership.as_mut() {
            m.listener = listener;
        }
    }

    /// Gives up every assigned partition: auto-commit, then the listener.
    fn revoke_all(&mut self) {
        if self.assigned.is_empty() {
            return;
        }
        if self.settings.auto_commit
            && let Err(e) = self.commit()
        {
            tracing::warn!(error = %e, "auto-commit before revoking partitions failed");
        }
        let partitions = self.assignment();
        self.with_listener(|l, c| l.on_partitions_revoked(c, &partitions));
        self.assigned.clear();
        if let Some(m) = self.membership.as_mut() {
            m.generation = None;
        }
    }

    fn adopt(&mut self, generation: i32, assignment: Vec<TopicPartition>) {
        self.assigned = assignment
            .into_iter()
            .filter_map(|tp| {
                let topic = self.shared.topics.get(&tp.topic)?;
                Some(Assigned {
                    tp,
                    topic,
                    position: None,
                    paused: false,
                })
            })
            .collect();
        self.cursor = 0;
        if let Some(m) = self.membership.as_mut() {
            m.generation = Some(generation);
        }
        let partitions = self.assignment();
        tracing::debug!(?partitions, generation, "partitions assigned");
        self.with_listener(|l, c| l.on_partitions_assigned(c, &partitions));
    }

    /// Follows the group: revokes and rejoins when a new generation starts, adopts the
    /// assignment when the group is stable.
    fn sync_group(&mut self) {
        let shared = self.shared.clone();
        let meta = |t: &str| shared.topic_meta(t);
        // Each turn moves the member one step (rejoin, then stable or waiting).
        for _ in 0..4 {
            let Some(m) = self.membership.as_ref() else { return };
            let (group, member) = (m.group.clone(), m.member);
            match shared.groups.sync(&group, member, shared.now(), &meta) {
                SyncState::Unknown => {
                    self.revoke_all();
                    let topics = self
                        .membership
                        .as_ref()
                        .map(|m| m.topics.clone())
                        .unwrap_or_default();
                    let member = shared.groups.join(
                        &group,
                        topics,
                        self.settings.strategy,
                        self.settings.max_poll_interval_ms,
                        shared.now(),
                    );
                    if let Some(m) = self.membership.as_mut() {
                        m.member = member;
                    }
                    shared.notifier.notify();
                }
                SyncState::MustRejoin => {
                    self.revoke_all();
                    shared.groups.rejoin(&group, member, &meta);
                    shared.notifier.notify();
                }
                SyncState::Waiting => return,
                SyncState::Stable {
                    generation,
                    assignment,
                } => {
                    if self.membership.as_ref().and_then(|m| m.generation) != Some(generation) {
                        self.adopt(generation, assignment);
                    }
                    return;
                }
            }
        }
    }

    fn maybe_auto_commit(&mut self) {
        if !self.settings.auto_commit || self.settings.group_id.is_none() {
            return;
        }
        let now = self.shared.now();
        if now - self.last_auto_commit >= self.settings.auto_commit_interval_ms {
            self.last_auto_commit = now;
            if let Err(e) = self.commit() {
                tracing::warn!(error = %e, "auto-commit failed");
            }
        }
    }

    /// The first position on a partition: the committed offset, else the reset policy.
    fn initial_position(&self, a: &Assigned, log_start: i64, end: i64) -> Result<i64> {
        let committed = self
            .settings
            .group_id
            .as_deref()
            .and_then(|g| self.shared.groups.committed(g, &a.tp));
        match committed {
            Some(offset) => self.in_range(a, offset, log_start, end),
            None => match self.settings.reset {
                AutoOffsetReset::Earliest => Ok(log_start),
                AutoOffsetReset::Latest => Ok(end),
                AutoOffsetReset::None => Err(Error::NoOffset {
                    topic: a.tp.topic.clone(),
                    partition: a.tp.partition,
                }),
            },
        }
    }

    /// `offset` if it is inside the log, else where the reset policy says.
    fn in_range(&self, a: &Assigned, offset: i64, log_start: i64, end: i64) -> Result<i64> {
        if (log_start..=end).contains(&offset) {
            return Ok(offset);
        }
        match self.settings.reset {
            AutoOffsetReset::Earliest => Ok(log_start),
            AutoOffsetReset::Latest => Ok(end),
            AutoOffsetReset::None => Err(Error::OffsetOutOfRange {
                topic: a.tp.topic.clone(),
                partition: a.tp.partition,
                offset,
                start: log_start,
                end,
            }),
        }
    }

    fn fetch(&mut self) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        let n = self.assigned.len();
        let max = self.settings.max_poll_records;
        for i in 0..n {
            if out.len() >= max {
                break;
            }
            let idx = (self.cursor + i) % n;
            if self.assigned[idx].paused {
                continue;
            }
            let topic = self.assigned[idx].topic.clone();
            if topic.is_deleted() {
                if self.membership.is_some() {
                    continue; // the group rebalances on the next poll
                }
                return Err(Error::UnknownTopic {
                    topic: topic.name.to_string(),
                });
            }
            let partition = self.assigned[idx].tp.partition;
            let mut log = topic.partition(partition)?.lock();
            let (start, end) = (log.log_start(), log.end_offset());
            let position = match self.assigned[idx].position {
                None => self.initial_position(&self.assigned[idx], start, end)?,
                Some(p) => self.in_range(&self.assigned[idx], p, start, end)?,
            };
            let room = max - out.len();
            // Room for what this partition can give, at once rather than by doubling.
            out.reserve((end - position).clamp(0, room as i64) as usize);
            let to = ReadTarget {
                topic: &topic.name,
                partition,
                timestamp_type: topic.settings.timestamp_type,
                out: &mut out,
            };
            let outcome = log.read(position, room, self.settings.isolation, to);
            drop(log);
            self.assigned[idx].position = Some(outcome.next_position);
        }
        if n > 0 {
            self.cursor = (self.cursor + 1) % n;
        }
        if !out.is_empty() {
            metrics::counter!("streamlog_records_consumed_total", "backend" => "embedded")
                .increment(out.len() as u64);
        }
        Ok(out)
    }

    fn leave_group(&mut self) {
        self.revoke_all();
        if let Some(m) = self.membership.take() {
            self.shared.groups.leave(&m.group, m.member);
            self.shared.notifier.notify();
        }
    }
}

impl std::fmt::Debug for EmbeddedConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedConsumer")
            .field("group_id", &self.settings.group_id)
            .field("subscription", &self.membership.as_ref().map(|m| &m.topics))
            .field("assignment", &self.assignment())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl OffsetCommitter for EmbeddedConsumer {
    fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.assigned.iter().find(|a| a.tp == *tp)?.position
    }

    fn commit_offsets_and_metadata(&mut self, offsets: &[(TopicPartition, OffsetAndMetadata)]) -> Result<()> {
        self.ensure_open()?;
        let group = self.group_id()?;
        let member = self.membership.as_ref().map(|m| m.member);
        self.shared.groups.commit(group, member, offsets)
    }

    fn transaction_group(&self) -> Option<crate::GroupMetadata> {
        crate::Consumer::group_metadata(self)
    }
}

impl crate::sealed::Sealed for EmbeddedConsumer {}

impl Consumer for EmbeddedConsumer {
    fn subscribe_with_listener(
        &mut self,
        topics: &[&str],
        listener: Box<dyn RebalanceListener>,
    ) -> Result<()> {
        self.ensure_open()?;
        let group = self.group_id()?.to_owned();
        if self.membership.is_none() && !self.assigned.is_empty() {
            return Err(Error::IllegalState {
                reason: "subscribe after assign: call assign(&[]) first".into(),
            });
        }
        self.leave_group();
        let topics: Vec<String> = topics.iter().map(|t| (*t).to_owned()).collect();
        let member = self.shared.groups.join(
            &group,
            topics.clone(),
            self.settings.strategy,
            self.settings.max_poll_interval_ms,
            self.shared.now(),
        );
        self.membership = Some(Membership {
            group,
            member,
            topics,
            listener,
            generation: None,
        });
        self.shared.notifier.notify();
        Ok(())
    }

    fn unsubscribe(&mut self) -> Result<()> {
        self.ensure_open()?;
        self.leave_group();
        Ok(())
    }

    fn assign(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        self.ensure_open()?;
        if self.membership.is_some() {
            return Err(Error::IllegalState {
                reason: "assign while subscribed: call unsubscribe first".into(),
            });
        }
        let mut assigned = Vec::with_capacity(partitions.len());
        for tp in partitions {
            let topic = self.shared.topic(&tp.topic)?;
            topic.partition(tp.partition)?;
            let previous = self.assigned.iter().find(|a| a.tp == *tp);
            assigned.push(Assigned {
                tp: tp.clone(),
                topic,
                position: previous.and_then(|a| a.position),
                paused: previous.is_some_and(|a| a.paused),
            });
        }
        self.assigned = assigned;
        self.cursor = 0;
        Ok(())
    }

    fn assignment(&self) -> Vec<TopicPartition> {
        self.assigned.iter().map(|a| a.tp.clone()).collect()
    }

    fn poll(&mut self, timeout: Duration) -> Result<Vec<Record>> {
        self.ensure_open()?;
        // How long this call may block is real time; the group, auto-commit and
        // transaction timeouts below run on the cluster's clock.
        let deadline = Deadline::after(timeout);
        let shared = self.shared.clone();
        loop {
            let waiter = shared.notifier.register();
            self.shared.expire_transactions();
            self.sync_group();
            self.maybe_auto_commit();
            let records = self.fetch()?;
            if !records.is_empty() || deadline.has_passed() {
                return Ok(records);
            }
            waiter.wait(deadline);
        }
    }

    fn seek(&mut self, tp: &TopicPartition, offset: Offset) -> Result<()> {
        self.ensure_open()?;
        let a = self.assigned_mut(tp)?;
        let position = {
            let log = a.topic.partition(tp.partition)?.lock();
            match offset {
                Offset::Beginning => log.log_start(),
                Offset::End => log.end_offset(),
                Offset::At(o) => o,
            }
        };
        a.position = Some(position);
        Ok(())
    }

    fn pause(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.assigned_mut(tp)?.paused = true;
        }
        Ok(())
    }

    fn resume(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.assigned_mut(tp)?.paused = false;
        }
        Ok(())
    }

    fn committed_metadata(&self, partitions: &[TopicPartition]) -> Result<Vec<Option<OffsetAndMetadata>>> {
        let group = self.group_id()?;
        Ok(partitions
            .iter()
            .map(|tp| self.shared.groups.committed_metadata(group, tp))
            .collect())
    }

    fn group_metadata(&self) -> Option<GroupMetadata> {
        Some(GroupMetadata {
            group_id: self.settings.group_id.clone()?,
            inner: GroupMetadataInner::Embedded,
        })
    }

    fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        if self.membership.is_some() {
            self.leave_group();
        } else if self.settings.auto_commit && self.settings.group_id.is_some() {
            self.commit()?;
        }
        self.closed = true;
        Ok(())
    }
}

impl Drop for EmbeddedConsumer {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::warn!(error = %e, "closing the consumer on drop failed");
        }
    }
}
