//! The worker's topics (Kafka Connect's `KafkaBasedLog`): compacted topics read from
//! the start at load, written a key at a time. On Kafka they outlive the worker; on the
//! embedded log they live as long as its memory.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use streamlog::{
    ClientConfig, Cluster, IsolationLevel, Offset, Producer, ProducerRecord, TopicConfig, TopicPartition,
};

use crate::error::{Error, Result};

/// How long a load or a write may wait for the log before failing.
const LOG_TIMEOUT: Duration = Duration::from_secs(30);

/// A compacted topic of keyed entries, the last value of a key winning.
#[derive(Debug)]
pub(crate) struct TopicLog {
    cluster: Cluster,
    topic: String,
    producer: Box<dyn Producer>,
}

/// An entry read back: key and value bytes (`None`: deleted).
pub(crate) type Entry = (Vec<u8>, Option<Vec<u8>>);

impl TopicLog {
    /// The log on `topic`, created compacted with `partitions` partitions when missing.
    pub(crate) fn open(cluster: &Cluster, base: &ClientConfig, topic: &str, partitions: i32) -> Result<Self> {
        let admin = cluster
            .admin()
            .map_err(Error::log(format!("connecting to create {topic}")))?;
        let topics = admin
            .list_topics()
            .map_err(Error::log(format!("listing topics to find {topic}")))?;
        if !topics.iter().any(|t| t == topic) {
            match admin.create_topic(topic, &TopicConfig::new(partitions).compacted()) {
                Ok(()) | Err(streamlog::Error::TopicAlreadyExists { .. }) => {}
                Err(e) => return Err(Error::log(format!("creating the worker's topic {topic}"))(e)),
            }
        }
        let producer = cluster
            .producer(&base.clone().set("enable.idempotence", "true").set("acks", "all"))
            .map_err(Error::log(format!("creating the producer of {topic}")))?;
        Ok(TopicLog {
            cluster: cluster.clone(),
            topic: topic.to_owned(),
            producer,
        })
    }

    /// Every entry from the start to the end of the topic, in log order per partition
    /// (committed records only).
    pub(crate) fn read_all(&self, base: &ClientConfig) -> Result<Vec<Entry>> {
        let context = || format!("reading the worker's topic {}", self.topic);
        let admin = self.cluster.admin().map_err(Error::log(context()))?;
        let ends = admin.end_offsets(&self.topic).map_err(Error::log(context()))?;
        let mut consumer = self
            .cluster
            .consumer(&base.clone().isolation_level(IsolationLevel::ReadCommitted))
            .map_err(Error::log(context()))?;
        let partitions: Vec<TopicPartition> = (0..ends.len() as i32)
            .map(|p| TopicPartition::new(self.topic.as_str(), p))
            .collect();
        consumer.assign(&partitions).map_err(Error::log(context()))?;
        for p in &partitions {
            consumer
                .seek(p, Offset::Beginning)
                .map_err(Error::log(context()))?;
        }
        let mut entries = Vec::new();
        let deadline = Instant::now() + LOG_TIMEOUT;
        loop {
            let behind = partitions
                .iter()
                .zip(&ends)
                .any(|(p, end)| consumer.position(p).unwrap_or(0) < *end);
            if !behind {
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::Log {
                    context: context(),
                    source: streamlog::Error::Timeout {
                        operation: "reading a worker topic to its end".into(),
                        timeout: LOG_TIMEOUT,
                    },
                });
            }
            for record in consumer
                .poll(Duration::from_millis(100))
                .map_err(Error::log(context()))?
            {
                if let Some(key) = record.key {
                    entries.push((key.to_vec(), record.value.map(|v| v.to_vec())));
                }
            }
        }
        let _ = consumer.close();
        Ok(entries)
    }

    /// The last value of each key (deleted keys left out).
    pub(crate) fn read_map(&self, base: &ClientConfig) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
        let mut map = BTreeMap::new();
        for (key, value) in self.read_all(base)? {
            match value {
                Some(v) => map.insert(key, v),
                None => map.remove(&key),
            };
        }
        Ok(map)
    }

    /// Writes `key` = `value` (`None` deletes it) and waits until the log has it.
    pub(crate) fn write(&self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let mut record = ProducerRecord::new(self.topic.as_str()).key(key.to_vec());
        if let Some(value) = value {
            record = record.value(value.to_vec());
        }
        let context = || format!("writing to the worker's topic {}", self.topic);
        self.producer
            .send(record)
            .map_err(Error::log(context()))?
            .wait(LOG_TIMEOUT)
            .map_err(Error::log(context()))?;
        Ok(())
    }
}
