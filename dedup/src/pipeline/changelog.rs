//! The changelog of seen ids: one partition per input partition, each record an id
//! (key) and the time it was seen (timestamp); rebuilding a partition's ids replays it.

use std::time::{Duration, Instant};

use streamlog::{
    Admin, ClientConfig, Cluster, Consumer, IsolationLevel, Offset, TopicConfig, TopicPartition,
};

use crate::deduplicator::Deduplicator;
use crate::error::{Error, Result};

/// Makes the changelog topic when missing, with `partitions` partitions kept for
/// `retention_ms`; an existing one must have `partitions` partitions.
pub(crate) fn ensure_topic(admin: &dyn Admin, topic: &str, partitions: i32, retention_ms: i64) -> Result<()> {
    if admin.list_topics()?.iter().any(|t| t == topic) {
        let found = admin.partition_count(topic)?;
        if found != partitions {
            return Err(Error::Config {
                setting: "changelog",
                reason: format!(
                    "topic `{topic}` has {found} partitions, the input {partitions}: a changelog needs one per input partition"
                ),
            });
        }
        return Ok(());
    }
    match admin.create_topic(topic, &TopicConfig::new(partitions).retention_ms(retention_ms)) {
        // Another instance of the group made it first.
        Err(streamlog::Error::TopicAlreadyExists { .. }) | Ok(()) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Reads changelog partitions back into deduplicators.
pub(crate) struct Restorer {
    topic: String,
    admin: Box<dyn Admin>,
    consumer: Box<dyn Consumer>,
    stall_timeout: Duration,
}

impl std::fmt::Debug for Restorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restorer")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl Restorer {
    /// A restorer of `topic`, reading only committed records when `committed_only`.
    pub(crate) fn new(
        cluster: &Cluster,
        client: &ClientConfig,
        topic: String,
        committed_only: bool,
        stall_timeout: Duration,
    ) -> Result<Self> {
        let isolation = if committed_only {
            IsolationLevel::ReadCommitted
        } else {
            IsolationLevel::ReadUncommitted
        };
        let config = client
            .clone()
            .enable_auto_commit(false)
            .isolation_level(isolation);
        Ok(Restorer {
            admin: cluster.admin()?,
            consumer: cluster.consumer(&config)?,
            topic,
            stall_timeout,
        })
    }

    /// Replays changelog partition `partition` into `dedup`; returns how many ids it
    /// read.
    pub(crate) fn restore(&mut self, partition: i32, dedup: &mut Deduplicator) -> Result<u64> {
        let tp = TopicPartition::new(self.topic.as_str(), partition);
        let marks = self.admin.watermarks(&tp)?;
        if marks.high <= marks.low {
            return Ok(0);
        }
        self.consumer.assign(std::slice::from_ref(&tp))?;
        self.consumer.seek(&tp, Offset::Beginning)?;
        let mut position = marks.low;
        let mut read = 0;
        let mut progressed = Instant::now();
        while position < marks.high {
            let batch = self.consumer.poll(Duration::from_millis(100))?;
            for r in &batch {
                if let Some(id) = &r.key {
                    dedup.remember(id, r.timestamp.millis().unwrap_or(0))?;
                    read += 1;
                }
                position = r.offset + 1;
                progressed = Instant::now();
            }
            // Under read_committed the position also moves past transaction markers
            // and aborted records, which no record shows.
            let at = self.consumer.position(&tp).unwrap_or(position);
            if at > position {
                position = at;
                progressed = Instant::now();
            }
            if progressed.elapsed() > self.stall_timeout {
                return Err(Error::RestoreStalled {
                    topic: self.topic.clone(),
                    partition,
                    position,
                    end: marks.high,
                });
            }
        }
        self.consumer.assign(&[])?;
        metrics::counter!("dedup_restored_ids_total").increment(read);
        tracing::info!(topic = %self.topic, partition, ids = read, "rebuilt the seen ids");
        Ok(read)
    }
}
