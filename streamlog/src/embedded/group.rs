//! Consumer groups of the embedded cluster: membership, eager rebalancing with a join
//! barrier, assignment, committed offsets.
//!
//! A membership change starts a new generation. Every member must revoke its partitions
//! and rejoin before the new assignment is handed out, so a partition's next owner
//! starts only after the previous one had its chance to commit.

use std::collections::{BTreeMap, HashMap};

use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::record::{OffsetAndMetadata, TopicPartition};

/// How partitions are split between members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Strategy {
    /// Kafka's RangeAssignor: per topic, contiguous ranges, extras to the first members.
    #[default]
    Range,
    /// Kafka's RoundRobinAssignor: all partitions dealt in turn.
    RoundRobin,
}

impl Strategy {
    pub(super) fn parse(value: Option<&str>) -> Result<Self> {
        let Some(value) = value else {
            return Ok(Strategy::Range);
        };
        let first = value.split(',').next().unwrap_or("").trim();
        match first {
            "range" | "org.apache.kafka.clients.consumer.RangeAssignor" => Ok(Strategy::Range),
            "roundrobin" | "org.apache.kafka.clients.consumer.RoundRobinAssignor" => Ok(Strategy::RoundRobin),
            _ => Err(Error::InvalidConfig {
                key: "partition.assignment.strategy".into(),
                value: value.into(),
                reason: "the embedded backend knows `range` and `roundrobin`".into(),
            }),
        }
    }
}

/// What a member must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SyncState {
    /// The member is no longer in the group (it timed out): revoke, then join again.
    Unknown,
    /// A new generation started: revoke, then call [`Groups::rejoin`].
    MustRejoin,
    /// Waiting for other members to rejoin.
    Waiting,
    /// The group is stable; this is the member's assignment in `generation`.
    Stable {
        generation: i32,
        assignment: Vec<TopicPartition>,
    },
}

#[derive(Debug)]
struct Member {
    topics: Vec<String>,
    joined_generation: i32,
    last_seen: i64,
    max_poll_interval_ms: i64,
}

#[derive(Debug, Default)]
struct Group {
    generation: i32,
    members: BTreeMap<u64, Member>,
    assignment: BTreeMap<u64, Vec<TopicPartition>>,
    stable: bool,
    strategy: Strategy,
    /// Partition counts (and topic incarnations) the assignment was made from.
    metadata: BTreeMap<String, (u64, i32)>,
    committed: HashMap<TopicPartition, OffsetAndMetadata>,
}

/// Topic metadata as the group sees it: incarnation and partition count.
pub(super) type TopicMeta<'a> = &'a dyn Fn(&str) -> Option<(u64, i32)>;

/// All groups.
#[derive(Debug, Default)]
pub(super) struct Groups {
    groups: Mutex<HashMap<String, Group>>,
    next_member: Mutex<u64>,
}

impl Groups {
    /// Adds a member subscribed to `topics`; starts a new generation.
    pub(super) fn join(
        &self,
        group: &str,
        topics: Vec<String>,
        strategy: Strategy,
        max_poll_interval_ms: i64,
        now: i64,
    ) -> u64 {
        let member = {
            let mut n = self.next_member.lock();
            *n += 1;
            *n
        };
        let mut groups = self.groups.lock();
        let g = groups.entry(group.to_owned()).or_default();
        if g.members.is_empty() {
            g.strategy = strategy;
        }
        g.members.insert(
            member,
            Member {
                topics,
                joined_generation: -1,
                last_seen: now,
                max_poll_interval_ms,
            },
        );
        start_generation(g);
        member
    }

    /// Removes a member; the rest rebalance.
    pub(super) fn leave(&self, group: &str, member: u64) {
        let mut groups = self.groups.lock();
        if let Some(g) = groups.get_mut(group)
            && g.members.remove(&member).is_some()
        {
            g.assignment.remove(&member);
            start_generation(g);
        }
    }

    /// Marks the member as having revoked and rejoined the current generation; the last
    /// one to rejoin computes the assignment.
    pub(super) fn rejoin(&self, group: &str, member: u64, meta: TopicMeta<'_>) {
        let mut groups = self.groups.lock();
        let Some(g) = groups.get_mut(group) else { return };
        let generation = g.generation;
        if let Some(m) = g.members.get_mut(&member) {
            m.joined_generation = generation;
        }
        if g.members.values().all(|m| m.joined_generation == generation) {
            assign(g, meta);
        }
    }

    /// Where the member stands; also expires members that stopped polling and notices
    /// topic changes.
    pub(super) fn sync(&self, group: &str, member: u64, now: i64, meta: TopicMeta<'_>) -> SyncState {
        let mut groups = self.groups.lock();
        let Some(g) = groups.get_mut(group) else {
            return SyncState::Unknown;
        };
        let expired: Vec<u64> = g
            .members
            .iter()
            .filter(|(id, m)| **id != member && now - m.last_seen > m.max_poll_interval_ms)
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            tracing::warn!(
                group,
                member = id,
                "member left the group after max.poll.interval.ms without a poll"
            );
            g.members.remove(id);
            g.assignment.remove(id);
        }
        if !expired.is_empty() {
            start_generation(g);
        }
        let Some(m) = g.members.get_mut(&member) else {
            return SyncState::Unknown;
        };
        m.last_seen = now;
        if g.stable && metadata(g, meta) != g.metadata {
            start_generation(g);
        }
        let m = &g.members[&member];
        if m.joined_generation < g.generation {
            SyncState::MustRejoin
        } else if !g.stable {
            SyncState::Waiting
        } else {
            SyncState::Stable {
                generation: g.generation,
                assignment: g.assignment.get(&member).cloned().unwrap_or_default(),
            }
        }
    }

    /// Commits offsets. A group member (`Some`) may commit only partitions the group last
    /// gave it; a consumer outside group management (`None`) may commit any.
    pub(super) fn commit(
        &self,
        group: &str,
        member: Option<u64>,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
    ) -> Result<()> {
        let mut groups = self.groups.lock();
        let g = groups.entry(group.to_owned()).or_default();
        if let Some(member) = member {
            if !g.members.contains_key(&member) {
                return Err(Error::CommitFailed {
                    group: group.into(),
                    reason: "this consumer is no longer a member of the group (it was removed after max.poll.interval.ms)".into(),
                    source: None,
                });
            }
            let owned = g.assignment.get(&member);
            if let Some((tp, _)) = offsets
                .iter()
                .find(|(tp, _)| !owned.is_some_and(|o| o.contains(tp)))
            {
                return Err(Error::CommitFailed {
                    group: group.into(),
                    reason: format!("partition {tp} is not assigned to this member"),
                    source: None,
                });
            }
        }
        for (tp, offset) in offsets {
            g.committed.insert(tp.clone(), offset.clone());
        }
        Ok(())
    }

    pub(super) fn committed(&self, group: &str, tp: &TopicPartition) -> Option<i64> {
        self.committed_metadata(group, tp).map(|c| c.offset)
    }

    pub(super) fn committed_metadata(&self, group: &str, tp: &TopicPartition) -> Option<OffsetAndMetadata> {
        self.groups
            .lock()
            .get(group)
            .and_then(|g| g.committed.get(tp).cloned())
    }

    /// Drops committed offsets of a deleted topic.
    pub(super) fn forget_topic(&self, topic: &str) {
        for g in self.groups.lock().values_mut() {
            g.committed.retain(|tp, _| tp.topic != topic);
        }
    }
}

fn start_generation(g: &mut Group) {
    g.generation += 1;
    g.stable = false;
}

fn metadata(g: &Group, meta: TopicMeta<'_>) -> BTreeMap<String, (u64, i32)> {
    g.members
        .values()
        .flat_map(|m| m.topics.iter())
        .filter_map(|t| meta(t).map(|m| (t.clone(), m)))
        .collect()
}

fn assign(g: &mut Group, meta: TopicMeta<'_>) {
    g.metadata = metadata(g, meta);
    let mut assignment: BTreeMap<u64, Vec<TopicPartition>> =
        g.members.keys().map(|id| (*id, Vec::new())).collect();
    match g.strategy {
        Strategy::Range => {
            for (topic, (_, partitions)) in &g.metadata {
                let subscribers: Vec<u64> = g
                    .members
                    .iter()
                    .filter(|(_, m)| m.topics.contains(topic))
                    .map(|(id, _)| *id)
                    .collect();
                let n = subscribers.len() as i32;
                let (per, extra) = (partitions / n, partitions % n);
                let mut next = 0;
                for (i, id) in subscribers.iter().enumerate() {
                    let count = per + i32::from((i as i32) < extra);
                    let owned = assignment.get_mut(id).expect("every member has an entry");
                    owned.extend((next..next + count).map(|p| TopicPartition::new(topic.clone(), p)));
                    next += count;
                }
            }
        }
        Strategy::RoundRobin => {
            let ids: Vec<u64> = g.members.keys().copied().collect();
            let mut turn = 0;
            for (topic, (_, partitions)) in &g.metadata {
                for p in 0..*partitions {
                    // The next member, in turn, that subscribes to this topic.
                    for _ in 0..ids.len() {
                        let id = ids[turn % ids.len()];
                        turn += 1;
                        if g.members[&id].topics.contains(topic) {
                            assignment
                                .get_mut(&id)
                                .expect("every member has an entry")
                                .push(TopicPartition::new(topic.clone(), p));
                            break;
                        }
                    }
                }
            }
        }
    }
    g.assignment = assignment;
    g.stable = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(topic: &str) -> Option<(u64, i32)> {
        (topic == "t").then_some((1, 5))
    }

    fn stable(groups: &Groups, member: u64) -> Vec<i32> {
        match groups.sync("g", member, 0, &meta) {
            SyncState::Stable { assignment, .. } => assignment.iter().map(|tp| tp.partition).collect(),
            other => panic!("expected a stable group, got {other:?}"),
        }
    }

    #[test]
    fn range_assignment_waits_for_every_member() {
        let groups = Groups::default();
        let a = groups.join("g", vec!["t".into()], Strategy::Range, 1000, 0);
        assert_eq!(groups.sync("g", a, 0, &meta), SyncState::MustRejoin);
        groups.rejoin("g", a, &meta);
        assert_eq!(stable(&groups, a), vec![0, 1, 2, 3, 4]);

        let b = groups.join("g", vec!["t".into()], Strategy::Range, 1000, 0);
        assert_eq!(groups.sync("g", b, 0, &meta), SyncState::MustRejoin);
        groups.rejoin("g", b, &meta);
        assert_eq!(
            groups.sync("g", b, 0, &meta),
            SyncState::Waiting,
            "a has not revoked yet"
        );
        // a may still commit what it owned before it rejoins.
        groups
            .commit(
                "g",
                Some(a),
                &[(TopicPartition::new("t", 4), OffsetAndMetadata::new(10))],
            )
            .unwrap();
        assert_eq!(groups.sync("g", a, 0, &meta), SyncState::MustRejoin);
        groups.rejoin("g", a, &meta);
        assert_eq!(stable(&groups, a), vec![0, 1, 2]);
        assert_eq!(stable(&groups, b), vec![3, 4]);
        let err = groups
            .commit(
                "g",
                Some(a),
                &[(TopicPartition::new("t", 4), OffsetAndMetadata::new(11))],
            )
            .unwrap_err();
        assert!(err.to_string().contains("t-4"), "{err}");
        assert_eq!(groups.committed("g", &TopicPartition::new("t", 4)), Some(10));
    }

    #[test]
    fn silent_members_are_expired() {
        let groups = Groups::default();
        let a = groups.join("g", vec!["t".into()], Strategy::RoundRobin, 1000, 0);
        let b = groups.join("g", vec!["t".into()], Strategy::RoundRobin, 1000, 0);
        groups.rejoin("g", a, &meta);
        groups.rejoin("g", b, &meta);
        assert_eq!(stable(&groups, a), vec![0, 2, 4]);
        // b never polls again; at t=2000 a's sync expires it.
        assert_eq!(groups.sync("g", a, 2000, &meta), SyncState::MustRejoin);
        groups.rejoin("g", a, &meta);
        assert_eq!(groups.sync("g", b, 2000, &meta), SyncState::Unknown);
    }

    #[test]
    fn unknown_strategy_is_named() {
        let err = Strategy::parse(Some("sticky-ish")).unwrap_err();
        assert!(err.to_string().contains("partition.assignment.strategy"));
    }
}
