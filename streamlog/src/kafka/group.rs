//! The group side of the Kafka consumer: the user's rebalance listener run inside
//! librdkafka's rebalance handling, and offset commits.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer as _, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset as RdOffset, TopicPartitionList};

use super::{map_error, wrap};
use crate::client::{OffsetCommitter, RebalanceListener};
use crate::error::{Error, Result};
use crate::record::{OffsetAndMetadata, TopicPartition};

pub(super) type Positions = Arc<Mutex<HashMap<TopicPartition, i64>>>;

/// Runs the user's rebalance listener inside librdkafka's rebalance handling.
pub(super) struct GroupContext {
    pub(super) listener: Mutex<Option<Box<dyn RebalanceListener>>>,
    pub(super) positions: Positions,
    /// A panic of the listener, caught before it unwinds through librdkafka's C frames
    /// and raised again from `poll`.
    pub(super) panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    /// Whether the group uses the cooperative protocol, known from the configured
    /// `partition.assignment.strategy`. rdkafka's default rebalance asks librdkafka
    /// for it on every rebalance, and that request never returns when the rebalance
    /// runs while the consumer is being closed (a hang seen in the conformance suite).
    pub(super) cooperative: bool,
    pub(super) watch: super::security::SecurityWatch,
    /// `group.id`, for the listener's transactional commits.
    pub(super) group_id: Option<String>,
}

impl GroupContext {
    fn call_listener(
        &self,
        consumer: &BaseConsumer<Self>,
        f: impl FnOnce(&mut dyn RebalanceListener, &mut Committer<'_>),
    ) {
        let mut listener = self.listener.lock();
        let Some(listener) = listener.as_mut() else { return };
        let mut committer = Committer {
            consumer,
            positions: &self.positions,
        };
        let call = std::panic::AssertUnwindSafe(|| f(listener.as_mut(), &mut committer));
        if let Err(payload) = std::panic::catch_unwind(call) {
            self.panic.lock().get_or_insert(payload);
        }
    }
}

impl ClientContext for GroupContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, facility: &str, message: &str) {
        super::security::log_to_tracing(level, facility, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.watch.observe(&error, reason);
    }
}

pub(super) fn partitions_of(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

/// A partition list of offsets with their notes.
pub(super) fn tpl_of(offsets: &[(TopicPartition, OffsetAndMetadata)]) -> Result<TopicPartitionList> {
    let mut tpl = TopicPartitionList::new();
    for (tp, offset) in offsets {
        let mut elem = tpl.add_partition(&tp.topic, tp.partition);
        elem.set_offset(RdOffset::Offset(offset.offset))
            .map_err(|e| map_error("commit", Some(&tp.topic), e))?;
        if !offset.metadata.is_empty() {
            elem.set_metadata(offset.metadata.as_str());
        }
    }
    Ok(tpl)
}

/// What the listener may use during a rebalance.
struct Committer<'a> {
    consumer: &'a BaseConsumer<GroupContext>,
    positions: &'a Positions,
}

impl OffsetCommitter for Committer<'_> {
    fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.positions.lock().get(tp).copied()
    }

    fn commit_offsets_and_metadata(&mut self, offsets: &[(TopicPartition, OffsetAndMetadata)]) -> Result<()> {
        commit(self.consumer, offsets)
    }

    fn transaction_group(&self) -> Option<crate::GroupMetadata> {
        use rdkafka::consumer::Consumer as _;
        Some(crate::GroupMetadata {
            group_id: self.consumer.context().group_id.clone()?,
            inner: crate::client::GroupMetadataInner::Kafka(super::KafkaGroupMetadata(std::sync::Arc::new(
                self.consumer.group_metadata()?,
            ))),
        })
    }
}

pub(super) fn commit(
    consumer: &BaseConsumer<GroupContext>,
    offsets: &[(TopicPartition, OffsetAndMetadata)],
) -> Result<()> {
    if offsets.is_empty() {
        return Ok(());
    }
    // The offsets are already "next to read": no +1 here, unlike commit_message.
    consumer
        .commit(&tpl_of(offsets)?, CommitMode::Sync)
        .map_err(|e| match e {
            KafkaError::ConsumerCommit(code) => Error::CommitFailed {
                group: String::new(),
                reason: code.to_string(),
                source: Some(wrap(e)),
            },
            other => map_error("commit", None, other),
        })
}

impl ConsumerContext for GroupContext {
    fn rebalance(&self, consumer: &BaseConsumer<Self>, err: RDKafkaRespErr, tpl: &mut TopicPartitionList) {
        let rebalance = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => Rebalance::Assign(tpl),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => Rebalance::Revoke(tpl),
            other => Rebalance::Error(KafkaError::Rebalance(other.into())),
        };
        self.pre_rebalance(consumer, &rebalance);
        let applied = match (&rebalance, self.cooperative) {
            (Rebalance::Assign(tpl), true) => consumer.incremental_assign(tpl),
            (Rebalance::Assign(tpl), false) => consumer.assign(tpl),
            (_, true) => consumer.incremental_unassign(tpl),
            (_, false) => consumer.unassign(),
        };
        if let Err(e) = applied {
            tracing::error!(error = %e, "applying a rebalance failed");
        }
        self.post_rebalance(consumer, &rebalance);
    }

    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            let partitions = partitions_of(tpl);
            self.call_listener(consumer, |l, c| l.on_partitions_revoked(c, &partitions));
            let mut positions = self.positions.lock();
            for tp in &partitions {
                positions.remove(tp);
            }
        }
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                let partitions = partitions_of(tpl);
                self.call_listener(consumer, |l, c| l.on_partitions_assigned(c, &partitions));
            }
            Rebalance::Error(e) => tracing::error!(error = %e, "rebalance failed"),
            Rebalance::Revoke(_) => {}
        }
    }
}
